-- Answer suggestions (issue 19). Keep in step with ../sqlite/0034_kb_deflections.sql, which
-- explains the table.
CREATE TABLE kb_deflections (
    case_id       BIGINT NOT NULL PRIMARY KEY REFERENCES cases(id),
    article_slug  TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX kb_deflections_article ON kb_deflections(article_slug);
