-- Every payment provider event handled, by the provider's event id: written
-- in the same transaction as the event's effect on its order, so the same
-- event again (a retry, or a concurrent duplicate) finds its id taken and
-- changes nothing a second time.
CREATE TABLE payment_events (
    id          TEXT      NOT NULL PRIMARY KEY,  -- the provider's id, e.g. evt_…
    order_id    TEXT      NOT NULL,              -- the order it named (not a foreign key: orders may be deleted)
    outcome     TEXT      NOT NULL,              -- paid, after_cancel, duplicate, amount_mismatch, already_applied
    received_at TIMESTAMP NOT NULL
);
