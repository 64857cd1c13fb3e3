-- Telephone calls reported by the telephone system, and callbacks for the missed ones.
CREATE TABLE calls (
    id                INTEGER PRIMARY KEY,
    -- The telephone system's id for the call: every event about it carries this.
    call_id           TEXT NOT NULL UNIQUE,
    direction         TEXT NOT NULL,
    from_number       TEXT,
    to_number         TEXT,
    branch            BIGINT,
    -- ringing, answered, ended
    state             TEXT NOT NULL,
    answered_by       TEXT,
    answered_user_id  BIGINT REFERENCES users(id),
    offered_at        BIGINT,
    answered_at       BIGINT,
    ended_at          BIGINT,
    cause             TEXT,
    voicemail         TEXT,
    recording         TEXT,
    requester_id      BIGINT REFERENCES requesters(id),
    case_id           BIGINT REFERENCES cases(id),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX calls_from ON calls(from_number);
CREATE INDEX calls_offered ON calls(offered_at);
CREATE INDEX calls_case ON calls(case_id);

-- Signed webhook deliveries already processed (replay protection).
CREATE TABLE telephony_deliveries (
    delivery_id  TEXT PRIMARY KEY,
    received_at  BIGINT NOT NULL
);

ALTER TABLE cases ADD COLUMN callback_number TEXT;
ALTER TABLE cases ADD COLUMN callback_calls BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_callback ON cases(callback_number, status);

CREATE TABLE callback_attempts (
    id        INTEGER PRIMARY KEY,
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    -- no_answer, busy, reached
    outcome   TEXT NOT NULL,
    note      TEXT,
    user_id   BIGINT REFERENCES users(id),
    at        BIGINT NOT NULL
);
CREATE INDEX callback_attempts_case ON callback_attempts(case_id);

-- The extension (or PBX login) on which a user answers calls, for the screen-pop.
ALTER TABLE users ADD COLUMN extension TEXT;

-- Callers flagged for abusive behaviour: shown on the screen-pop, never blocking a call.
CREATE TABLE caller_flags (
    number      TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    flagged_by  BIGINT REFERENCES users(id),
    at          BIGINT NOT NULL
);
