-- Sealed cases (issue 18; docs/design/006-sealed-channel.md §9.3). Keep in step with
-- ../postgres/0029_sealed_cases.sql.
--
-- A sealed case keeps its rows in the ordinary tables; its text columns hold `hqsv1.`/`hqsa1.`
-- values (sealed under the case's data key, or appended for its append key) instead of text.

-- 1: the case's values are ciphertext. Sealed implies confidential, which every ordinary list,
-- count, search and live feed already leaves out: never filtered on, so not indexed.
ALTER TABLE cases ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;

-- The public half of a sealed case's append key (derived from its data key): writers that hold
-- no data key (mail intake, telephony, jobs, staff other than investigators) seal for it. mac as
-- for user_keys: a public key written by whoever can write the database fails it.
CREATE TABLE case_seals (
    case_id            BIGINT PRIMARY KEY REFERENCES cases(id),
    append_public_key  TEXT NOT NULL,
    mac                TEXT NOT NULL,
    created_at         BIGINT NOT NULL
);

-- An anonymous tip's receipt: the receipt's lookup hash, and the case's data key wrapped under a
-- key derived from the receipt (which the server never stores).
CREATE TABLE case_receipts (
    lookup      TEXT PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    wrapped     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX case_receipts_case ON case_receipts(case_id);

-- A named report's tracking link opens its case's data key the same way.
ALTER TABLE tracking_tokens ADD COLUMN wrapped TEXT;

-- "Is this sender the reporter?" without a key: the lookup hash (hqk1.) of the address.
ALTER TABLE confidential_reporters ADD COLUMN email_lookup TEXT;
CREATE INDEX confidential_reporters_email_lookup ON confidential_reporters(email_lookup);

-- A confidential call's number sealed for the installation; from_number then holds its lookup
-- hash, so that equality lookups still answer.
ALTER TABLE calls ADD COLUMN from_sealed TEXT;

-- The sealed raw mail's blob, for a message filed to a sealed case.
ALTER TABLE mail_inbound ADD COLUMN blob TEXT;

-- A delivery's error, out of meta: rewriting meta as JSON would clobber a sealed meta.
ALTER TABLE timeline_entries ADD COLUMN delivery_error TEXT;

-- Clear text in a sealed case's row is refused: a forgotten write path fails its test instead
-- of writing plaintext. Allowed: NULL, '' (a row is inserted empty, then its sealed values are
-- written once its id exists) and sealed values (`hqsv1.`, `hqsa1.`).
CREATE TRIGGER cases_sealed_insert BEFORE INSERT ON cases
WHEN NEW.sealed = 1 AND NOT (NEW.subject = '' OR NEW.subject LIKE 'hqs_1.%')
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (cases.subject)'); END;
CREATE TRIGGER cases_sealed_update BEFORE UPDATE OF subject, sealed ON cases
WHEN NEW.sealed = 1 AND NOT (NEW.subject = '' OR NEW.subject LIKE 'hqs_1.%')
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (cases.subject)'); END;

CREATE TRIGGER timeline_entries_sealed_insert BEFORE INSERT ON timeline_entries
WHEN NOT ((NEW.body = '' OR NEW.body LIKE 'hqs_1.%') AND (NEW.meta IS NULL OR NEW.meta = '' OR NEW.meta LIKE 'hqs_1.%'))
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (timeline_entries)'); END;
CREATE TRIGGER timeline_entries_sealed_update BEFORE UPDATE OF body, meta, case_id ON timeline_entries
WHEN NOT ((NEW.body = '' OR NEW.body LIKE 'hqs_1.%') AND (NEW.meta IS NULL OR NEW.meta = '' OR NEW.meta LIKE 'hqs_1.%'))
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (timeline_entries)'); END;

CREATE TRIGGER attachments_sealed_insert BEFORE INSERT ON attachments
WHEN NOT ((NEW.filename = '' OR NEW.filename LIKE 'hqs_1.%') AND (NEW.content_type = '' OR NEW.content_type LIKE 'hqs_1.%'))
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (attachments)'); END;
CREATE TRIGGER attachments_sealed_update BEFORE UPDATE OF filename, content_type, case_id ON attachments
WHEN NOT ((NEW.filename = '' OR NEW.filename LIKE 'hqs_1.%') AND (NEW.content_type = '' OR NEW.content_type LIKE 'hqs_1.%'))
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (attachments)'); END;

CREATE TRIGGER confidential_reporters_sealed_insert BEFORE INSERT ON confidential_reporters
WHEN NOT ((NEW.name IS NULL OR NEW.name = '' OR NEW.name LIKE 'hqs_1.%')
      AND (NEW.email IS NULL OR NEW.email = '' OR NEW.email LIKE 'hqs_1.%')
      AND (NEW.phone IS NULL OR NEW.phone = '' OR NEW.phone LIKE 'hqs_1.%')
      AND (NEW.tax_code IS NULL OR NEW.tax_code = '' OR NEW.tax_code LIKE 'hqs_1.%'))
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (confidential_reporters)'); END;
CREATE TRIGGER confidential_reporters_sealed_update BEFORE UPDATE ON confidential_reporters
WHEN NOT ((NEW.name IS NULL OR NEW.name = '' OR NEW.name LIKE 'hqs_1.%')
      AND (NEW.email IS NULL OR NEW.email = '' OR NEW.email LIKE 'hqs_1.%')
      AND (NEW.phone IS NULL OR NEW.phone = '' OR NEW.phone LIKE 'hqs_1.%')
      AND (NEW.tax_code IS NULL OR NEW.tax_code = '' OR NEW.tax_code LIKE 'hqs_1.%'))
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (confidential_reporters)'); END;

CREATE TRIGGER callback_attempts_sealed_insert BEFORE INSERT ON callback_attempts
WHEN NOT (NEW.note IS NULL OR NEW.note = '' OR NEW.note LIKE 'hqs_1.%')
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (callback_attempts.note)'); END;
CREATE TRIGGER callback_attempts_sealed_update BEFORE UPDATE OF note, case_id ON callback_attempts
WHEN NOT (NEW.note IS NULL OR NEW.note = '' OR NEW.note LIKE 'hqs_1.%')
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (callback_attempts.note)'); END;

CREATE TRIGGER ratings_sealed_insert BEFORE INSERT ON ratings
WHEN NOT (NEW.comment IS NULL OR NEW.comment = '' OR NEW.comment LIKE 'hqs_1.%')
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (ratings.comment)'); END;
CREATE TRIGGER ratings_sealed_update BEFORE UPDATE OF comment, case_id ON ratings
WHEN NOT (NEW.comment IS NULL OR NEW.comment = '' OR NEW.comment LIKE 'hqs_1.%')
 AND (SELECT sealed FROM cases WHERE id = NEW.case_id) = 1
BEGIN SELECT RAISE(ABORT, 'sealed case: clear text refused (ratings.comment)'); END;

-- Deleted index rows leave no tokens in FTS5's older segments (FTS5 3.42+).
INSERT INTO case_search(case_search, rank) VALUES ('secure-delete', 1);
