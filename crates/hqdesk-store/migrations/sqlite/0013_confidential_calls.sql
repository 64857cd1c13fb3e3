-- Issue 14, confidential reports through side paths. Identical on both engines.

-- A call the IVR routed to the denunciation choice, or attached to a denunciation: only
-- task-force investigators see it (call pages, screen-pops, histories, the wallboard).
ALTER TABLE calls ADD COLUMN confidential BIGINT NOT NULL DEFAULT 0;
CREATE INDEX calls_from_confidential ON calls(from_number, confidential, id);

-- Confidential cases a console session has already been recorded reading through the presence
-- heartbeat: the audit log gets one entry per session and case, not one every few seconds.
CREATE TABLE confidential_session_reads (
    session_hash  TEXT NOT NULL,
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    at            BIGINT NOT NULL,
    PRIMARY KEY (session_hash, case_id)
);
CREATE INDEX confidential_session_reads_at ON confidential_session_reads(at);
