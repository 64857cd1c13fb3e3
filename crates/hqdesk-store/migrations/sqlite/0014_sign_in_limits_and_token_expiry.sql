-- Sign-in limits (issue 14, items 9 and 10) and API token expiry (item 18).
--
-- Failed sign-in attempts are counted per key (a SHA-256 of what is counted: an address, an
-- address and a user name, a user, a user's second factor) in windows that start with the first
-- attempt; a key over its limit is refused until `window_end`. They replace the per-user
-- counter on `users`, which a correct password reset and which let anyone lock anyone out.
CREATE TABLE sign_in_attempts (
    key_hash    TEXT PRIMARY KEY,
    attempts    BIGINT NOT NULL,
    window_end  BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_window_end ON sign_in_attempts(window_end);
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;

-- Every token expires. Tokens issued before expiry existed get the default lifetime (365
-- days) from the upgrade, so that integrations keep working while they are rotated.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens SET expires_at = (CAST(strftime('%s', 'now') AS INTEGER) + 365 * 86400) * 1000;
