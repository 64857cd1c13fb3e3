-- Console sign-in: lock-out, two-factor, server-side sessions, recovery codes, presence.
-- Identical on both engines.
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
-- Base32 TOTP secret; pending until totp_enabled = 1.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
-- The last accepted time step: a code is accepted once.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Only a SHA-256 of the session token is stored.
CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    csrf          TEXT NOT NULL,
    -- password (second factor pending), enrol (must enrol a second factor), full
    stage         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users(id),
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Who is looking at or replying to a case right now (rows older than a minute are stale).
CREATE TABLE presence (
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    activity  TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
