-- A blob is deleted only when no row names it (sealing replaces a case's clear files and raw
-- mail with sealed copies): these make "does any row name it?" an index lookup.
CREATE INDEX attachments_blob ON attachments(sha256);
CREATE INDEX mail_inbound_blob_sha ON mail_inbound(sha256);
CREATE INDEX mail_inbound_blob ON mail_inbound(blob);
