-- Refresh tokens: only a SHA-256 of each secret is kept (the secrets are 256
-- random bits, so a fast hash cannot be brute-forced, and lookups stay an
-- index probe). A token is live while unused, unrevoked and unexpired.
CREATE TABLE refresh_tokens (
    id          TEXT      NOT NULL PRIMARY KEY,  -- ULID
    family_id   TEXT      NOT NULL,              -- every token rotated from one login
    user_id     TEXT      NOT NULL REFERENCES users (id),
    secret_hash TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    revoked_at  TIMESTAMP
);

CREATE UNIQUE INDEX refresh_tokens_secret_hash_key ON refresh_tokens (secret_hash);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
