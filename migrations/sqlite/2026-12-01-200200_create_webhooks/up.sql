-- Webhook subscriptions. `secret` signs deliveries (HMAC-SHA256), so it is
-- kept as it is: unlike a password or a key it must be used, not compared.
CREATE TABLE webhooks (
    id          TEXT      NOT NULL PRIMARY KEY,  -- ULID
    url         TEXT      NOT NULL,
    events      TEXT      NOT NULL,              -- "*" or a comma list of event types
    description TEXT,
    enabled     BOOLEAN   NOT NULL,
    secret      TEXT      NOT NULL,
    version     BIGINT    NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- One event to one subscription, and its tries. `lease_until`: the process
-- sending it has it alone until then.
CREATE TABLE webhook_deliveries (
    id               TEXT      NOT NULL PRIMARY KEY,  -- ULID
    webhook_id       TEXT      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT      NOT NULL,
    event_type       TEXT      NOT NULL,
    status           TEXT      NOT NULL,              -- pending, succeeded, failed
    attempts         INTEGER   NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    next_attempt_at  TIMESTAMP,
    lease_until      TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX webhook_deliveries_once_key ON webhook_deliveries (webhook_id, event_id);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, id);

-- How far events have been turned into deliveries: one row, locked by the
-- process fanning out.
CREATE TABLE webhook_fanout (
    id   INTEGER NOT NULL PRIMARY KEY,
    txid BIGINT  NOT NULL,
    seq  BIGINT  NOT NULL
);
INSERT INTO webhook_fanout (id, txid, seq) VALUES (1, 0, 0);
