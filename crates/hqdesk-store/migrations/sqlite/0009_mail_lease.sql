-- Email transport. Keep in step with ../postgres/0009_mail_lease.sql (a test compares them).

-- Which node fetches a mailbox: a node holds the lease while its fetch loop runs and renews it;
-- another node takes the mailbox over only after lease_until has passed.
ALTER TABLE mailboxes ADD COLUMN lease_owner TEXT;
ALTER TABLE mailboxes ADD COLUMN lease_until BIGINT;
