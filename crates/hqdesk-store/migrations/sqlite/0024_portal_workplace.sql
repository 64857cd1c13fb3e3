-- Portal, issue 16. A requester who lost the tracking link gets a new one by e-mail; the old
-- link's hash is kept here so that following it says "replaced" instead of "not found".
CREATE TABLE tracking_tokens_retired (
    token_hash  TEXT PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    retired_at  BIGINT NOT NULL
);

-- What the portal shows of a procedure besides its steps: the code of the national database of
-- administrative procedures, where to submit it online, and its forms to download (JSON list of
-- {"name", "url"}).
ALTER TABLE procedures ADD COLUMN official_code TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN submit_online TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN forms TEXT NOT NULL DEFAULT '[]';
