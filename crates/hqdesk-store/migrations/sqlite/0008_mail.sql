-- Email channel. Keep in step with ../postgres/0008_mail.sql (a test compares them).

-- An IMAP/SMTP mailbox the support desk reads and sends from. Sync state is by UIDVALIDITY and
-- the highest UID ingested, never by "unseen" flags.
CREATE TABLE mailboxes (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    address           TEXT NOT NULL,
    imap_url          TEXT NOT NULL,
    smtp_url          TEXT NOT NULL,
    insecure_plain    BIGINT NOT NULL DEFAULT 0,
    default_branch    BIGINT,
    default_category  TEXT,
    enabled           BIGINT NOT NULL DEFAULT 1,
    uidvalidity       BIGINT,
    last_uid          BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT,
    last_sync_at      BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

-- Every raw mail received, recorded (bytes in the blob store under `sha256`) BEFORE it is
-- parsed, so nothing is lost between the fetch and the case. `content_hash` is the SHA-256 of the
-- body part of the raw mail (after the header block): with the Message-ID it recognises the same
-- mail delivered again under another UID or to another mailbox.
-- state: received (stored, not yet processed), ingested, duplicate, failed (unparseable, turned
-- into a work item).
CREATE TABLE mail_inbound (
    id              INTEGER PRIMARY KEY,
    mailbox_id      BIGINT NOT NULL REFERENCES mailboxes(id),
    uidvalidity     BIGINT,
    uid             BIGINT,
    message_id      TEXT,
    sha256          TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    state           TEXT NOT NULL,
    classification  TEXT,
    case_id         BIGINT REFERENCES cases(id),
    entry_id        BIGINT REFERENCES timeline_entries(id),
    created_case    BIGINT NOT NULL DEFAULT 0,
    duplicate_of    BIGINT REFERENCES mail_inbound(id),
    error           TEXT,
    received_at     BIGINT NOT NULL,
    processed_at    BIGINT,
    UNIQUE (mailbox_id, uidvalidity, uid)
);
CREATE INDEX mail_inbound_message ON mail_inbound(message_id, content_hash);
CREATE INDEX mail_inbound_state ON mail_inbound(state, id);

-- Message-ID → where it lives, for threading replies (inbound) and bounces/answers to our own
-- mails (outbound). Ids are stored without angle brackets. direction: in or out.
CREATE TABLE mail_message_ids (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    entry_id    BIGINT REFERENCES timeline_entries(id),
    direction   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX mail_message_ids_mid ON mail_message_ids(message_id);
CREATE INDEX mail_message_ids_case ON mail_message_ids(case_id);

-- "Merge into case …" suggestions shown on a case opened from a mail whose thread match was
-- uncertain (case number in the subject from another sender, Thread-Index only, …).
CREATE TABLE mail_merge_suggestions (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    target_case_id  BIGINT NOT NULL REFERENCES cases(id),
    reason          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    dismissed_at    BIGINT
);
CREATE INDEX mail_merge_suggestions_case ON mail_merge_suggestions(case_id);
