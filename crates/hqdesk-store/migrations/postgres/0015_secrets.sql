-- Secrets at rest and the keyed audit chain (README, "Secrets and the audit log";
-- docs/design/005-secrets.md). Keep in step with ../sqlite/0015_secrets.sql.

-- The ids of the secret keys this database was set up with (never the keys themselves): a start
-- without its key, or with another installation's key, stops instead of making a new one.
CREATE TABLE secret_keys (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

-- The secret key whose audit key chained the row (HMAC-SHA-256); NULL for the rows written
-- before the installation had a key (plain SHA-256), which all come first.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;

-- Mailbox passwords leave the URLs for columns of their own, sealed with the secret key. The
-- first start with a key moves and seals the passwords of existing mailboxes.
ALTER TABLE mailboxes ADD COLUMN imap_password TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_password TEXT;

-- A finished job keeps no payload (addresses, mail texts, tracking links).
UPDATE jobs SET payload = '{}' WHERE finished_at IS NOT NULL;

-- TRUNCATE runs no row trigger, so audit_log_no_update never saw it: refuse it per statement,
-- and take the privilege from the role that owns the table (the trigger also holds against a
-- superuser; only disabling it, which the hash chain and the checkpoints reveal, gets past).
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
REVOKE TRUNCATE ON audit_log FROM CURRENT_USER;
