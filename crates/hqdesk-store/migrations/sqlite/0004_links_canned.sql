-- Related and merged cases; canned responses.
CREATE TABLE case_links (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    other_id    BIGINT NOT NULL REFERENCES cases(id),
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, other_id)
);
ALTER TABLE cases ADD COLUMN merged_into BIGINT REFERENCES cases(id);

CREATE TABLE canned_responses (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL
);
