-- The same tables as migrations/postgres.
-- Idempotency keys, per user: the first request with a key claims it (the
-- primary key decides among concurrent ones), and its successful answer is
-- kept for replay. `status_code` and `body` stay NULL while it runs.
CREATE TABLE idempotency_keys (
    user_id      TEXT      NOT NULL REFERENCES users (id),
    key          TEXT      NOT NULL,
    request_hash TEXT      NOT NULL,  -- of the request body: another body under the same key is refused
    status_code  INTEGER,
    body         TEXT,
    created_at   TIMESTAMP NOT NULL,  -- the record expires from here
    claimed_at   TIMESTAMP NOT NULL,  -- an unfinished claim this old was abandoned
    PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
