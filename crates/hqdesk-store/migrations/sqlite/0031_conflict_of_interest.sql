-- Conflict of interest (issue 18; docs/design/006-sealed-channel.md §10). Keep in step with
-- ../postgres/0031_conflict_of_interest.sql.
--
-- Who may not see a confidential case because the report names them, queryable without saying
-- who: each row is a lookup hash (hqk1., HMAC under the installation's key, domain
-- "case-exclusion") of "<case id>|user:<id>", "<case id>|unit:<id>" or "<case id>|chain:<unit id>".
-- Whether an actor is excluded is computed from the directory when they ask (their id, their unit
-- and the units above it), so a member who joins a named unit later is covered too.
CREATE TABLE case_exclusions (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    tag         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, tag)
);

-- The list of who is named itself is case content: one row per naming, its value sealed like
-- the case's other values (hqsa1./hqsv1. at case:<c>:named:<id>) when the case is sealed, JSON in
-- clear only on a confidential case kept unsealed (no escrow key yet).
CREATE TABLE case_named (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    named       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX case_named_case ON case_named(case_id);
