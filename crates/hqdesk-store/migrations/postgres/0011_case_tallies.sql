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
);
-- "Mine" and "my unit" (and a unit officer's scope).
CREATE INDEX case_tallies_assignee ON case_tallies(assignee_id, confidential, status);
CREATE INDEX case_tallies_unit ON case_tallies(unit_id, confidential, status);

INSERT INTO case_tallies (confidential, status, branch, assignee_id, unit_id, n)
SELECT confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0), COUNT(*)
FROM cases GROUP BY confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0);

-- One trigger per change keeps both the tallies and the counts per confidentiality (migration
-- 0010, which answers "all" from one row). Inserts and deletes change them once per statement
-- (a multi-row INSERT of the seeder or of group-committed creations adds its rows at once).
--
-- Locking: every service that changes a case also appends to the audit chain in the same
-- transaction, under its advisory lock (`dialect::lock_audit_chain`), held until it commits. The
-- triggers take that lock before touching a counter row (the bulk seeder, which writes no audit
-- entries, takes it here too), so transactions change counter rows one at a time, in the order
-- they take the chain: two transactions can never each hold a counter row the other waits for,
-- nor one a counter row and the other the chain, whatever rows their statements touch and in
-- what order. Creations already queued on the `case_counts` row from their INSERT to their
-- commit; other changes now take the chain at their UPDATE instead of at their audit entry.
DROP TRIGGER case_counts_insert ON cases;
DROP TRIGGER case_counts_delete ON cases;
DROP TRIGGER case_counts_update ON cases;
DROP FUNCTION case_counts_after_insert();
DROP FUNCTION case_counts_after_delete();
DROP FUNCTION case_counts_after_update();

CREATE FUNCTION case_tallies_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7286531001);
    UPDATE case_counts k SET n = k.n + d.n
    FROM (SELECT confidential, COUNT(*) AS n FROM new_cases GROUP BY confidential) d
    WHERE k.confidential = d.confidential;
    INSERT INTO case_tallies AS t (confidential, status, branch, assignee_id, unit_id, n)
    SELECT confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0), COUNT(*)
    FROM new_cases
    GROUP BY confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0)
    ON CONFLICT (confidential, status, branch, assignee_id, unit_id)
    DO UPDATE SET n = t.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_tallies_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION case_tallies_after_insert();

CREATE FUNCTION case_tallies_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7286531001);
    UPDATE case_counts k SET n = k.n - d.n
    FROM (SELECT confidential, COUNT(*) AS n FROM old_cases GROUP BY confidential) d
    WHERE k.confidential = d.confidential;
    UPDATE case_tallies t SET n = t.n - d.n
    FROM (SELECT confidential, status, branch, COALESCE(assignee_id, 0) AS assignee_id,
                 COALESCE(unit_id, 0) AS unit_id, COUNT(*) AS n
          FROM old_cases
          GROUP BY confidential, status, branch, COALESCE(assignee_id, 0), COALESCE(unit_id, 0)) d
    WHERE t.confidential = d.confidential AND t.status = d.status AND t.branch = d.branch
      AND t.assignee_id = d.assignee_id AND t.unit_id = d.unit_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_tallies_delete AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_cases
    FOR EACH STATEMENT EXECUTE FUNCTION case_tallies_after_delete();

-- Per row, and only when a tallied column changes (not on every message or touch of
-- `updated_at`): cases are updated one at a time, and PostgreSQL allows no column list on a
-- trigger with transition tables.
CREATE FUNCTION case_tallies_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7286531001);
    IF OLD.confidential IS DISTINCT FROM NEW.confidential THEN
        UPDATE case_counts SET n = n - 1 WHERE confidential = OLD.confidential;
        UPDATE case_counts SET n = n + 1 WHERE confidential = NEW.confidential;
    END IF;
    UPDATE case_tallies SET n = n - 1
    WHERE confidential = OLD.confidential AND status = OLD.status AND branch = OLD.branch
      AND assignee_id = COALESCE(OLD.assignee_id, 0) AND unit_id = COALESCE(OLD.unit_id, 0);
    INSERT INTO case_tallies AS t (confidential, status, branch, assignee_id, unit_id, n)
    VALUES (NEW.confidential, NEW.status, NEW.branch, COALESCE(NEW.assignee_id, 0),
            COALESCE(NEW.unit_id, 0), 1)
    ON CONFLICT (confidential, status, branch, assignee_id, unit_id) DO UPDATE SET n = t.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_tallies_update
    AFTER UPDATE OF confidential, status, branch, assignee_id, unit_id ON cases
    FOR EACH ROW
    WHEN (OLD.confidential IS DISTINCT FROM NEW.confidential
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.branch IS DISTINCT FROM NEW.branch
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
          OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
    EXECUTE FUNCTION case_tallies_after_update();

-- The unassigned queues' page (branch 1 and 2, new and open, most urgent first): with the counts
-- answered above, listing it read every unassigned case of the branch from `cases_queue` (about
-- 6,000 at a million cases) and sorted them for 50. This index holds only those cases, in the
-- page's order (the same COALESCE as `cases::list`'s "due" order), so a page reads 51 entries.
CREATE INDEX cases_unassigned_queue
    ON cases(confidential, branch, (COALESCE(resolution_due_at, 9223372036854775807)), id)
    WHERE assignee_id IS NULL AND status IN ('new', 'open');
-- The queue columns are correlated (a new case is mostly unassigned, a closed one assigned; a
-- denunciation is confidential and in branch 1). Assuming them independent, the planner
-- estimated the unassigned branch-2 queue at 166 cases instead of 6,000 and sorted them from
-- `cases_queue` rather than walking the index above. Statistics on the combination correct that.
CREATE STATISTICS cases_queue_columns (mcv, dependencies)
    ON status, confidential, branch, assignee_id FROM cases;
ANALYZE cases;
ANALYZE case_tallies;
