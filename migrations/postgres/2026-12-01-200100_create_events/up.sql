-- The outbox: every event is inserted by the transaction of its change.
-- The feed reads it in (txid, seq) order and shows only events whose
-- transaction id is below the oldest transaction still running
-- (pg_snapshot_xmin), so no event can later appear before a position a
-- consumer has passed: a transaction that commits late has a txid above
-- every event shown while it ran.
CREATE TABLE events (
    seq              BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction's id (xid8, as a number: it never wraps).
    txid             BIGINT    NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    id               TEXT      NOT NULL,  -- ULID
    event_type       TEXT      NOT NULL,
    resource_type    TEXT      NOT NULL,
    resource_id      TEXT      NOT NULL,
    resource_version BIGINT    NOT NULL,
    data             TEXT      NOT NULL,  -- the resource's JSON as after the change
    created_at       TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX events_id_key ON events (id);
CREATE INDEX events_feed_idx ON events (txid, seq);
CREATE INDEX events_created_at_idx ON events (created_at);
