-- hqdesk schema, SQLite. Keep in step with ../postgres/0001_init.sql: same tables, columns and
-- indexes (a test compares them). Times are BIGINT milliseconds since the epoch (UTC); booleans
-- are BIGINT 0/1 so that both engines decode them the same way.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_id   BIGINT REFERENCES units(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    parent_id   BIGINT REFERENCES categories(id),
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    branch      BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    unit_id       BIGINT REFERENCES units(id),
    password_hash TEXT,
    locale        TEXT NOT NULL DEFAULT 'vi',
    active        BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE TABLE requesters (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    business_name  TEXT,
    email          TEXT,
    phone          TEXT,
    tax_code       TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX requesters_email ON requesters(email);
CREATE INDEX requesters_phone ON requesters(phone);
CREATE INDEX requesters_tax_code ON requesters(tax_code);

CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    number                 TEXT NOT NULL UNIQUE,
    kind                   TEXT NOT NULL,
    branch                 BIGINT NOT NULL,
    channel                TEXT NOT NULL,
    category_id            BIGINT REFERENCES categories(id),
    priority               TEXT NOT NULL,
    status                 TEXT NOT NULL,
    confidential           BIGINT NOT NULL,
    subject                TEXT NOT NULL,
    requester_id           BIGINT REFERENCES requesters(id),
    unit_id                BIGINT REFERENCES units(id),
    assignee_id            BIGINT REFERENCES users(id),
    created_by             BIGINT REFERENCES users(id),
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    first_response_due_at  BIGINT,
    resolution_due_at      BIGINT,
    first_responded_at     BIGINT,
    resolved_at            BIGINT,
    closed_at              BIGINT,
    message_count          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cases_status_due ON cases(status, resolution_due_at);
CREATE INDEX cases_unit_status ON cases(unit_id, status);
CREATE INDEX cases_assignee_status ON cases(assignee_id, status);
CREATE INDEX cases_requester ON cases(requester_id);
CREATE INDEX cases_created ON cases(created_at);

-- The identity of a confidential case's reporter, kept apart from the shared requester
-- directory so that it can never surface through contacts, requester history or search.
CREATE TABLE confidential_reporters (
    case_id     BIGINT PRIMARY KEY REFERENCES cases(id),
    anonymous   BIGINT NOT NULL,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    tax_code    TEXT
);

CREATE TABLE timeline_entries (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    kind            TEXT NOT NULL,
    channel         TEXT,
    author_user_id  BIGINT REFERENCES users(id),
    body            TEXT NOT NULL,
    delivery_state  TEXT,
    meta            TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX timeline_case ON timeline_entries(case_id, id);

-- Full-text search over Rust-folded tokens (see hqdesk_domain::text), one row per searchable
-- text: the case header (number, subject, requester) and each message.
CREATE VIRTUAL TABLE case_search USING fts5(
    tokens,
    case_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
-- Append-only: the application never updates or deletes audit rows, and the database refuses it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    resource     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);

-- Background work and the outbox: rows claimed by any node, never a per-process cron.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    dedup_key     TEXT UNIQUE,
    run_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    locked_by     TEXT,
    locked_until  BIGINT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    finished_at   BIGINT,
    outcome       TEXT
);
CREATE INDEX jobs_due ON jobs(finished_at, kind, run_at);
