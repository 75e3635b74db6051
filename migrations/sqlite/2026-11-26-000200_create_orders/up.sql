-- The same tables as migrations/postgres.
-- Orders and their lines. Lines copy the product's name and price when the
-- order is placed; later product changes never touch them.
CREATE TABLE orders (
    id          TEXT      NOT NULL PRIMARY KEY,  -- ULID, sorts by creation time
    user_id     TEXT      NOT NULL REFERENCES users (id),
    status      TEXT      NOT NULL CONSTRAINT orders_status_check
                          CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    total_cents BIGINT    NOT NULL CONSTRAINT orders_total_cents_check CHECK (total_cents >= 0),
    currency    TEXT      NOT NULL,
    version     BIGINT    NOT NULL CONSTRAINT orders_version_check CHECK (version >= 1),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- Listings are newest first (id descending), by user or by status.
CREATE INDEX orders_user_id_idx ON orders (user_id, id);
CREATE INDEX orders_status_idx ON orders (status, id);

CREATE TABLE order_items (
    order_id         TEXT    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,  -- 0-based, the order of the request
    product_id       TEXT    NOT NULL REFERENCES products (id),
    name             TEXT    NOT NULL,
    quantity         BIGINT  NOT NULL CONSTRAINT order_items_quantity_check CHECK (quantity >= 1),
    unit_price_cents BIGINT  NOT NULL CONSTRAINT order_items_unit_price_cents_check CHECK (unit_price_cents >= 0),
    line_total_cents BIGINT  NOT NULL CONSTRAINT order_items_line_total_cents_check CHECK (line_total_cents >= 0),
    PRIMARY KEY (order_id, position)
);
