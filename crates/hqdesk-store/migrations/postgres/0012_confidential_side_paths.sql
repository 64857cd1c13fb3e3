-- Confidential side paths (issue 14). Keep in step with the other engine's 0012 (a test
-- compares them).

-- The case a timeline entry was written on, when a merge moved it onto another case (NULL: it
-- was written where it is now). A requester's tracking page shows only what was exchanged on
-- their own case, wherever a merge put it: merging two reports never shows one reporter the
-- other's conversation.
ALTER TABLE timeline_entries ADD COLUMN origin_case_id BIGINT REFERENCES cases(id);
CREATE INDEX timeline_origin ON timeline_entries(origin_case_id, id) WHERE origin_case_id IS NOT NULL;

-- What an idempotent creation answered (JSON, without a confidential reporter's identity), so
-- that a retry answers the same without reading the case again.
ALTER TABLE idempotency_keys ADD COLUMN answer TEXT;
