-- Maintained case counts (README, "Performance"). Counting every case a role may see meant
-- reading about a million index entries on each console page at a million cases; PostgreSQL has
-- no cheap exact COUNT(*) (about 30 ms there). The count per confidentiality is kept here
-- instead, by triggers, so it changes in the same transaction as the cases it counts (the
-- bulk seeder's INSERTs included) and is exact. `confidential` is 0 or 1, as in `cases`.
-- Inserts and deletes update it once per statement (a multi-row INSERT adds its rows at once);
-- concurrent transactions creating cases queue on the counter row until they commit, as they
-- already queue on the audit chain's lock.
CREATE TABLE case_counts (
    confidential BIGINT PRIMARY KEY,
    n            BIGINT NOT NULL
);
INSERT INTO case_counts (confidential, n) VALUES (0, 0), (1, 0);
UPDATE case_counts SET n = (SELECT COUNT(*) FROM cases WHERE cases.confidential = case_counts.confidential);

CREATE FUNCTION case_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE case_counts k SET n = k.n + d.n
    FROM (SELECT confidential, COUNT(*) AS n FROM new_cases GROUP BY confidential) d
    WHERE k.confidential = d.confidential;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_counts_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION case_counts_after_insert();

CREATE FUNCTION case_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE case_counts k SET n = k.n - d.n
    FROM (SELECT confidential, COUNT(*) AS n FROM old_cases GROUP BY confidential) d
    WHERE k.confidential = d.confidential;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_counts_delete AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_cases
    FOR EACH STATEMENT EXECUTE FUNCTION case_counts_after_delete();

-- A case never changes confidentiality (the services refuse it); should one, the count follows.
CREATE FUNCTION case_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE case_counts SET n = n - 1 WHERE confidential = OLD.confidential;
    UPDATE case_counts SET n = n + 1 WHERE confidential = NEW.confidential;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_counts_update AFTER UPDATE OF confidential ON cases
    FOR EACH ROW WHEN (OLD.confidential IS DISTINCT FROM NEW.confidential)
    EXECUTE FUNCTION case_counts_after_update();

-- A case page lists the requester's other cases, newest first. With an index on the requester
-- alone, SQLite (without planner statistics) walked `cases_confidential` in creation order
-- instead, probing every case until 20 of the requester's were found: the whole table for a
-- requester with one case (250 ms at a million cases). This index answers the filter and the
-- order; it replaces the one on the requester alone.
CREATE INDEX cases_requester_recent ON cases(requester_id, confidential, created_at, id);
DROP INDEX cases_requester;
