-- Files attached to timeline entries. The bytes live in the content-addressed blob store
-- (see hqdesk_store::blobs); the database keeps their name, type, size and SHA-256.
CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    entry_id      BIGINT NOT NULL REFERENCES timeline_entries(id),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX attachments_entry ON attachments(entry_id);
CREATE INDEX attachments_case ON attachments(case_id);
