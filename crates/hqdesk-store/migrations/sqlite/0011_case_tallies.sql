-- Maintained tallies for the queue counts (README, "Performance"). The console's queue
-- navigation counts eight queues on every page; at a million cases each exact COUNT read tens of
-- thousands of index entries. The queues filter on who may see a case (confidential; a unit
-- officer's units or own cases), the status, the branch, the unit and the assignee (or none), so
-- the number of cases per combination of those is kept here, by triggers, in the same
-- transaction as the cases it counts (the bulk seeder's INSERTs included), and a count whose
-- filter uses nothing else is a SUM over a few rows (`cases::count`). A case without a unit or
-- an assignee is tallied under 0 (ids start at 1), so that the key can be a primary key.
-- Counts that filter on anything else (due times, kind, channel, requester, search) still count
-- the cases.
CREATE TABLE case_tallies (
    confidential BIGINT NOT NULL,
    status       TEXT NOT NULL,
    branch       BIGINT NOT NULL,
    assignee_id  BIGINT NOT NULL,
    unit_id      BIGINT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (confidential, status, branch, assignee_id, unit_id)
) WITHOUT ROWID;
-- "Mine" and "my unit" (and a unit officer's scope).
CREATE INDEX case_tallies_assignee ON case_tallies(assignee_id, confidential, status);
CREATE INDEX case_tallies_unit ON case_tallies(unit_id, confidential, status);

INSERT INTO case_tallies (confidential, status, branch, assignee_id, unit_id, n)
SELECT confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0), COUNT(*)
FROM cases GROUP BY confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0);

-- One trigger per change keeps both the tallies and the counts per confidentiality (migration
-- 0010, which answers "all" from one row).
DROP TRIGGER case_counts_insert;
DROP TRIGGER case_counts_delete;
DROP TRIGGER case_counts_update;

CREATE TRIGGER case_tallies_insert AFTER INSERT ON cases
BEGIN
    UPDATE case_counts SET n = n + 1 WHERE confidential = NEW.confidential;
    INSERT INTO case_tallies (confidential, status, branch, assignee_id, unit_id, n)
    VALUES (NEW.confidential, NEW.status, NEW.branch, COALESCE(NEW.assignee_id, 0),
            COALESCE(NEW.unit_id, 0), 1)
    ON CONFLICT (confidential, status, branch, assignee_id, unit_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER case_tallies_delete AFTER DELETE ON cases
BEGIN
    UPDATE case_counts SET n = n - 1 WHERE confidential = OLD.confidential;
    UPDATE case_tallies SET n = n - 1
    WHERE confidential = OLD.confidential AND status = OLD.status AND branch = OLD.branch
      AND assignee_id = COALESCE(OLD.assignee_id, 0) AND unit_id = COALESCE(OLD.unit_id, 0);
END;

-- Only when a tallied column changes (not on every message or touch of `updated_at`).
CREATE TRIGGER case_tallies_update
AFTER UPDATE OF confidential, status, branch, assignee_id, unit_id ON cases
WHEN OLD.confidential IS NOT NEW.confidential OR OLD.status IS NOT NEW.status
  OR OLD.branch IS NOT NEW.branch OR OLD.assignee_id IS NOT NEW.assignee_id
  OR OLD.unit_id IS NOT NEW.unit_id
BEGIN
    UPDATE case_counts SET n = n - 1
    WHERE confidential = OLD.confidential AND OLD.confidential <> NEW.confidential;
    UPDATE case_counts SET n = n + 1
    WHERE confidential = NEW.confidential AND OLD.confidential <> NEW.confidential;
    UPDATE case_tallies SET n = n - 1
    WHERE confidential = OLD.confidential AND status = OLD.status AND branch = OLD.branch
      AND assignee_id = COALESCE(OLD.assignee_id, 0) AND unit_id = COALESCE(OLD.unit_id, 0);
    INSERT INTO case_tallies (confidential, status, branch, assignee_id, unit_id, n)
    VALUES (NEW.confidential, NEW.status, NEW.branch, COALESCE(NEW.assignee_id, 0),
            COALESCE(NEW.unit_id, 0), 1)
    ON CONFLICT (confidential, status, branch, assignee_id, unit_id) DO UPDATE SET n = n + 1;
END;

-- The unassigned queues' page (branch 1 and 2, new and open, most urgent first): with the counts
-- answered above, listing it read every unassigned case of the branch from `cases_queue` (about
-- 6,000 at a million cases) and sorted them for 50. This index holds only those cases, in the
-- page's order (the same COALESCE as `cases::list`'s "due" order), so a page reads 51 entries.
-- SQLite uses it when the query says `status IN ('new', 'open')` as written here (the console's
-- queues do).
CREATE INDEX cases_unassigned_queue
    ON cases(confidential, branch, COALESCE(resolution_due_at, 9223372036854775807), id)
    WHERE assignee_id IS NULL AND status IN ('new', 'open');
