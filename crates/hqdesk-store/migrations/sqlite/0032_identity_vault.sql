-- The identity vault (issue 18; docs/design/006-sealed-channel.md §8). Keep in step with
-- ../postgres/0032_identity_vault.sql.
--
-- A sealed case's reporter (confidential_reporters) is sealed to a second key of the case, its
-- identity key, whose public half (of the pair derived from it) is kept with the case's seal,
-- with its MAC as for the append key. Cases sealed before this migration have none: their
-- reporter stays under the case's own key.
ALTER TABLE case_seals ADD COLUMN identity_public_key TEXT;
ALTER TABLE case_seals ADD COLUMN identity_mac TEXT;

-- The identity key wrapped for each custodian's key and the escrow's (never an investigator's):
-- text form of hqdesk_vault::WrappedKey, as case_keys.
CREATE TABLE identity_keys (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    key_id      TEXT NOT NULL,
    wrapped     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, key_id)
);
CREATE INDEX identity_keys_key ON identity_keys(key_id);

-- An investigator's reasoned request to open a case's reporter's identity, and a custodian's
-- decision. reason and refusal are sealed for the installation (`sealed:v1:`): the custodian
-- reads them, a copy of the database does not. status: pending, approved or refused.
CREATE TABLE identity_requests (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    requester_id  BIGINT NOT NULL REFERENCES users(id),
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    decided_by    BIGINT REFERENCES users(id),
    decided_at    BIGINT,
    hours         BIGINT,
    refusal       TEXT
);
CREATE INDEX identity_requests_status ON identity_requests(status, created_at);
CREATE INDEX identity_requests_case ON identity_requests(case_id, requester_id);
-- One pending request per investigator and case.
CREATE UNIQUE INDEX identity_requests_pending ON identity_requests(case_id, requester_id)
    WHERE status = 'pending';

-- An approved request's opening: the identity key wrapped for the requesting investigator's key
-- (key_id), until expires_at; the job `identity.expire` deletes the row after that. key_id and
-- wrapped are NULL for a case whose reporter is not under an identity key (an unencrypted
-- case, or one sealed before the identity vault): the grant is then the permission alone.
CREATE TABLE identity_grants (
    request_id  BIGINT PRIMARY KEY REFERENCES identity_requests(id),
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    key_id      TEXT,
    wrapped     TEXT,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX identity_grants_case_user ON identity_grants(case_id, user_id);
CREATE INDEX identity_grants_expiry ON identity_grants(expires_at);
