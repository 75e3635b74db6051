-- Products. The database itself refuses a negative stock or price, so no
-- bug or race in the application can oversell.
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

-- The adapters map this index name to the client's field `sku`.
CREATE UNIQUE INDEX products_sku_key ON products (sku) WHERE sku IS NOT NULL;

-- One index per listing order, over live products only (archived ones are
-- never listed), each ending in the id that breaks ties for keyset paging.
CREATE INDEX products_live_id_idx ON products (id) WHERE NOT archived;
CREATE INDEX products_live_price_idx ON products (price_cents, id) WHERE NOT archived;
CREATE INDEX products_live_name_idx ON products (name, id) WHERE NOT archived;

-- `q` is a case-insensitive substring of the name (`lower(name) LIKE '%q%'`),
-- which no B-tree can serve; a trigram index can. The extension lives in
-- `public` and is named with it, so the index also builds where `public` is
-- not on the search path (each test migrates a schema of its own). Extensions
-- are per database, not per schema: two schemas migrating at once could race
-- on `IF NOT EXISTS`, but migrations run under an advisory lock
-- (crates/adapters/src/db/postgres.rs), so they never do. pg_trgm is a
-- trusted extension: a role with CREATE on the database may add it without
-- being superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX products_live_name_trgm_idx ON products USING gin (lower(name) public.gin_trgm_ops) WHERE NOT archived;
