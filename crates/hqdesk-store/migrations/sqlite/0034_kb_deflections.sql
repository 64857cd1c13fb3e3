-- Answer suggestions (issue 19): a requester followed the link of the e-mail acknowledgement that
-- says "this article may already answer your question" and told us it did. One row per case
-- (the primary key makes a second click change nothing); the case was resolved then, with a
-- timeline event saying so. Never for a confidential case: the acknowledgement of one carries
-- no article and no link.
CREATE TABLE kb_deflections (
    case_id       BIGINT NOT NULL PRIMARY KEY REFERENCES cases(id),
    article_slug  TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX kb_deflections_article ON kb_deflections(article_slug);
