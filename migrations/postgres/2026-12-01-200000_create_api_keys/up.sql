-- Service API keys: only a SHA-256 of each key is kept (keys carry 256
-- random bits, so a fast hash cannot be brute-forced and a lookup is one
-- index probe); `prefix` is the key's first characters, to recognise it by.
CREATE TABLE api_keys (
    id           TEXT      NOT NULL PRIMARY KEY,  -- ULID
    name         TEXT      NOT NULL,
    scopes       TEXT      NOT NULL,              -- comma list, e.g. "orders:read,events:read"
    prefix       TEXT      NOT NULL,
    key_hash     TEXT      NOT NULL,
    revoked      BOOLEAN   NOT NULL DEFAULT FALSE,
    last_used_at TIMESTAMP,                       -- written at most once a minute per key
    version      BIGINT    NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);
