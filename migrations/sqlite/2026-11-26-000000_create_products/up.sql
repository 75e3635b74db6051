-- The same table as migrations/postgres. The database itself refuses a
-- negative stock or price, so no bug or race in the application can oversell.
CREATE TABLE products (
    id          TEXT      NOT NULL PRIMARY KEY,  -- ULID, sorts by creation time
    name        TEXT      NOT NULL,
    description TEXT,
    price_cents BIGINT    NOT NULL CONSTRAINT products_price_cents_check CHECK (price_cents >= 0),
    currency    TEXT      NOT NULL,              -- ISO 4217
    stock       BIGINT    NOT NULL CONSTRAINT products_stock_check CHECK (stock >= 0),
    sku         TEXT,
    archived    BOOLEAN   NOT NULL DEFAULT FALSE,
    version     BIGINT    NOT NULL CONSTRAINT products_version_check CHECK (version >= 1),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- The adapters map this index (SQLite names it `products.sku`) to the client's field `sku`.
CREATE UNIQUE INDEX products_sku_key ON products (sku) WHERE sku IS NOT NULL;

-- One index per listing order, over live products only (archived ones are
-- never listed), each ending in the id that breaks ties for keyset paging.
-- SQLite has no trigram index: `q` is checked row by row along one of these.
CREATE INDEX products_live_id_idx ON products (id) WHERE NOT archived;
CREATE INDEX products_live_price_idx ON products (price_cents, id) WHERE NOT archived;
CREATE INDEX products_live_name_idx ON products (name, id) WHERE NOT archived;
