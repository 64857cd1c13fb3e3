-- An agent's saved filters of the console's queues and search: a name and the list's query
-- (the console's own parameters, as its address carries them). One user's names are unique.
CREATE TABLE saved_filters (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
