-- Carts: one per user (the unique index decides, so two first uses at once
-- cannot make two). Lines keep the order they were first added in.
CREATE TABLE carts (
    id         TEXT      NOT NULL PRIMARY KEY,  -- ULID
    user_id    TEXT      NOT NULL REFERENCES users (id),
    version    BIGINT    NOT NULL CONSTRAINT carts_version_check CHECK (version >= 1),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The adapters map this index to the client's field `user_id`.
CREATE UNIQUE INDEX carts_user_id_key ON carts (user_id);

CREATE TABLE cart_items (
    cart_id    TEXT    NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id TEXT    NOT NULL REFERENCES products (id),
    quantity   BIGINT  NOT NULL CONSTRAINT cart_items_quantity_check CHECK (quantity BETWEEN 1 AND 1000),
    position   INTEGER NOT NULL,  -- 0-based insertion order
    PRIMARY KEY (cart_id, product_id)
);
