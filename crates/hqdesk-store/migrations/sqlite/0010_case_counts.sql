-- Maintained case counts (README, "Performance"). Counting every case a role may see meant
-- reading about a million index entries on each console page at a million cases; PostgreSQL has
-- no cheap exact COUNT(*) (about 30 ms there). The count per confidentiality is kept here
-- instead, by triggers, so it changes in the same transaction as the cases it counts (the
-- bulk seeder's INSERTs included) and is exact. `confidential` is 0 or 1, as in `cases`.
CREATE TABLE case_counts (
    confidential BIGINT PRIMARY KEY,
    n            BIGINT NOT NULL
);
INSERT INTO case_counts (confidential, n) VALUES (0, 0), (1, 0);
UPDATE case_counts SET n = (SELECT COUNT(*) FROM cases WHERE cases.confidential = case_counts.confidential);

CREATE TRIGGER case_counts_insert AFTER INSERT ON cases
BEGIN
    UPDATE case_counts SET n = n + 1 WHERE confidential = NEW.confidential;
END;

CREATE TRIGGER case_counts_delete AFTER DELETE ON cases
BEGIN
    UPDATE case_counts SET n = n - 1 WHERE confidential = OLD.confidential;
END;

-- A case never changes confidentiality (the services refuse it); should one, the count follows.
CREATE TRIGGER case_counts_update AFTER UPDATE OF confidential ON cases
WHEN OLD.confidential <> NEW.confidential
BEGIN
    UPDATE case_counts SET n = n - 1 WHERE confidential = OLD.confidential;
    UPDATE case_counts SET n = n + 1 WHERE confidential = NEW.confidential;
END;

-- A case page lists the requester's other cases, newest first. With an index on the requester
-- alone, SQLite (without planner statistics) walked `cases_confidential` in creation order
-- instead, probing every case until 20 of the requester's were found: the whole table for a
-- requester with one case (250 ms at a million cases). This index answers the filter and the
-- order; it replaces the one on the requester alone.
CREATE INDEX cases_requester_recent ON cases(requester_id, confidential, created_at, id);
DROP INDEX cases_requester;
