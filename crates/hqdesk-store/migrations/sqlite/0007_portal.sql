-- Public portal: knowledge base, administrative procedures, tracking links, ratings, and the
-- counters that rate-limit anonymous submissions (kept in the database so every node sees them).
CREATE TABLE kb_articles (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    category    TEXT,
    -- public or internal
    visibility  TEXT NOT NULL,
    -- draft or published
    status      TEXT NOT NULL,
    related     TEXT NOT NULL DEFAULT '',
    solved      BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE VIRTUAL TABLE kb_search USING fts5(
    tokens,
    article_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE procedures (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    legal_basis  TEXT NOT NULL,
    steps        TEXT NOT NULL,
    documents    TEXT NOT NULL,
    time_limit   TEXT NOT NULL,
    fees         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    tokens       TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- The private tracking link of a case opened on the portal (only its SHA-256 is kept).
CREATE TABLE tracking_tokens (
    case_id     BIGINT PRIMARY KEY REFERENCES cases(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE ratings (
    case_id     BIGINT PRIMARY KEY REFERENCES cases(id),
    score       BIGINT NOT NULL,
    comment     TEXT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE rate_limits (
    bucket      TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits        BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
