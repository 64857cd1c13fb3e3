-- Sealed cases (issue 18; docs/design/006-sealed-channel.md §9.3). Keep in step with
-- ../sqlite/0029_sealed_cases.sql, which explains each column.

ALTER TABLE cases ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;

CREATE TABLE case_seals (
    case_id            BIGINT PRIMARY KEY REFERENCES cases(id),
    append_public_key  TEXT NOT NULL,
    mac                TEXT NOT NULL,
    created_at         BIGINT NOT NULL
);

CREATE TABLE case_receipts (
    lookup      TEXT PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    wrapped     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX case_receipts_case ON case_receipts(case_id);

ALTER TABLE tracking_tokens ADD COLUMN wrapped TEXT;

ALTER TABLE confidential_reporters ADD COLUMN email_lookup TEXT;
CREATE INDEX confidential_reporters_email_lookup ON confidential_reporters(email_lookup);

ALTER TABLE calls ADD COLUMN from_sealed TEXT;

ALTER TABLE mail_inbound ADD COLUMN blob TEXT;

ALTER TABLE timeline_entries ADD COLUMN delivery_error TEXT;

-- Clear text in a sealed case's row is refused (NULL, '' and `hqsv1.`/`hqsa1.` values pass).
CREATE FUNCTION sealed_text_ok(v TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS
$$ SELECT v IS NULL OR v = '' OR v LIKE 'hqs_1.%' $$;

CREATE FUNCTION refuse_clear_text() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ok BOOLEAN;
    case_sealed BOOLEAN;
BEGIN
    IF TG_TABLE_NAME = 'cases' THEN
        IF NEW.sealed = 1 AND NOT sealed_text_ok(NEW.subject) THEN
            RAISE EXCEPTION 'sealed case: clear text refused (cases.subject)';
        END IF;
        RETURN NEW;
    END IF;
    -- One IF per table: PL/pgSQL prepares an expression only when it is reached, and compiles
    -- the function once per table, so NEW.body is never looked up on a row that has none.
    IF TG_TABLE_NAME = 'timeline_entries' THEN
        ok := sealed_text_ok(NEW.body) AND sealed_text_ok(NEW.meta);
    ELSIF TG_TABLE_NAME = 'attachments' THEN
        ok := sealed_text_ok(NEW.filename) AND sealed_text_ok(NEW.content_type);
    ELSIF TG_TABLE_NAME = 'confidential_reporters' THEN
        ok := sealed_text_ok(NEW.name) AND sealed_text_ok(NEW.email)
            AND sealed_text_ok(NEW.phone) AND sealed_text_ok(NEW.tax_code);
    ELSIF TG_TABLE_NAME = 'callback_attempts' THEN
        ok := sealed_text_ok(NEW.note);
    ELSE
        ok := sealed_text_ok(NEW.comment);
    END IF;
    IF NOT ok THEN
        SELECT sealed = 1 INTO case_sealed FROM cases WHERE id = NEW.case_id;
        IF case_sealed THEN
            RAISE EXCEPTION 'sealed case: clear text refused (%)', TG_TABLE_NAME;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER cases_sealed_text BEFORE INSERT OR UPDATE OF subject, sealed ON cases
    FOR EACH ROW EXECUTE FUNCTION refuse_clear_text();
CREATE TRIGGER timeline_entries_sealed_text BEFORE INSERT OR UPDATE OF body, meta, case_id ON timeline_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_clear_text();
CREATE TRIGGER attachments_sealed_text BEFORE INSERT OR UPDATE OF filename, content_type, case_id ON attachments
    FOR EACH ROW EXECUTE FUNCTION refuse_clear_text();
CREATE TRIGGER confidential_reporters_sealed_text BEFORE INSERT OR UPDATE ON confidential_reporters
    FOR EACH ROW EXECUTE FUNCTION refuse_clear_text();
CREATE TRIGGER callback_attempts_sealed_text BEFORE INSERT OR UPDATE OF note, case_id ON callback_attempts
    FOR EACH ROW EXECUTE FUNCTION refuse_clear_text();
CREATE TRIGGER ratings_sealed_text BEFORE INSERT OR UPDATE OF comment, case_id ON ratings
    FOR EACH ROW EXECUTE FUNCTION refuse_clear_text();
