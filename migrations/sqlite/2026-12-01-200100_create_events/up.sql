-- The outbox: every event is inserted by the transaction of its change.
-- SQLite serializes write transactions, so `seq` (AUTOINCREMENT: never
-- reused) grows in commit order and the feed simply reads by it; `txid` is
-- always 0 here (PostgreSQL's commit group, see its migration).
CREATE TABLE events (
    seq              INTEGER   NOT NULL PRIMARY KEY AUTOINCREMENT,
    txid             BIGINT    NOT NULL DEFAULT 0,
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
