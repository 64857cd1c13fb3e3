-- The keys of sealed cases (issue 18; docs/design/006-sealed-channel.md §1, §8).
--
-- Investigators' key pairs: one row per key pair ever made. The current one has no retired_at
-- (at most one per user, by the partial index); a retired one (an operator reset a lost
-- password, or the investigator role was taken away) keeps its key id and public key, so that
-- `keys escrow-recover` can find the wraps made for it, and loses its sealed private key (it
-- opens nothing any more and would only give a copy of the database a password to guess).
-- public_key is hex; sealed_secret_key is base64 of hqdesk_vault::SealedSecretKey (Argon2id of
-- the password); mac is the HMAC of (table, owner, key id, public key) under a key derived from
-- the installation's secret key (hqdesk_store::secrets::public_key_mac): a public key written by
-- whoever can write the database but has no key file fails it and is never wrapped for.
CREATE TABLE user_keys (
    key_id             TEXT PRIMARY KEY,
    user_id            BIGINT NOT NULL REFERENCES users(id),
    public_key         TEXT NOT NULL,
    sealed_secret_key  TEXT,
    mac                TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    retired_at         BIGINT
);
CREATE UNIQUE INDEX user_keys_current ON user_keys(user_id) WHERE retired_at IS NULL;

-- The escrow's public key (its private half is printed once and kept offline); the current one
-- has no retired_at, and there is at most one.
CREATE TABLE escrow_keys (
    key_id      TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    mac         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);
CREATE UNIQUE INDEX escrow_keys_current ON escrow_keys((retired_at IS NULL)) WHERE retired_at IS NULL;

-- A sealed case's data key wrapped for one recipient's key id (an investigator's or the
-- escrow's): text form of hqdesk_vault::WrappedKey (`hqwk1.` + base64url).
CREATE TABLE case_keys (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    key_id      TEXT NOT NULL,
    wrapped     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, key_id)
);
CREATE INDEX case_keys_key ON case_keys(key_id);

-- The investigator's private key sealed for this session (base64 of
-- hqdesk_vault::SessionSealedKey), under a key from the cookie's token and the server's secret:
-- useless without the cookie, and gone with the row.
ALTER TABLE sessions ADD COLUMN sealed_key TEXT;
