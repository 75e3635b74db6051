-- The checkout: customers' saved addresses, shipping methods, tax rates,
-- discount codes, and what an order records of them.

CREATE TABLE addresses (
    id          TEXT      NOT NULL PRIMARY KEY,  -- ULID, sorts by creation time
    user_id     TEXT      NOT NULL REFERENCES users (id),
    name        TEXT      NOT NULL,
    line1       TEXT      NOT NULL,
    line2       TEXT,
    city        TEXT      NOT NULL,
    postal_code TEXT,
    region      TEXT,
    country     TEXT      NOT NULL,              -- ISO 3166-1 alpha-2, upper-case
    phone       TEXT,
    version     BIGINT    NOT NULL CONSTRAINT addresses_version_check CHECK (version >= 1),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- A customer's addresses, newest first.
CREATE INDEX addresses_user_id_idx ON addresses (user_id, id);

CREATE TABLE shipping_methods (
    id              TEXT      NOT NULL PRIMARY KEY,
    name            TEXT      NOT NULL,
    price_cents     BIGINT    NOT NULL CONSTRAINT shipping_methods_price_cents_check CHECK (price_cents >= 0),
    currency        TEXT      NOT NULL,
    -- Where it ships, as ',DE,FR,' (empty: everywhere), so that `country`
    -- filters with one LIKE; shops have a handful of methods, each listing
    -- reads them along shipping_methods_live_idx.
    countries       TEXT      NOT NULL,
    free_over_cents BIGINT    CONSTRAINT shipping_methods_free_over_cents_check CHECK (free_over_cents >= 0),
    archived        BOOLEAN   NOT NULL DEFAULT FALSE,
    version         BIGINT    NOT NULL CONSTRAINT shipping_methods_version_check CHECK (version >= 1),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX shipping_methods_live_idx ON shipping_methods (id) WHERE NOT archived;

CREATE TABLE tax_rates (
    id                TEXT      NOT NULL PRIMARY KEY,
    country           TEXT      NOT NULL,
    rate_bp           BIGINT    NOT NULL CONSTRAINT tax_rates_rate_bp_check CHECK (rate_bp BETWEEN 0 AND 10000),
    includes_shipping BOOLEAN   NOT NULL,
    version           BIGINT    NOT NULL CONSTRAINT tax_rates_version_check CHECK (version >= 1),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
-- One rate per country; the adapters map this index name to the field `country`.
CREATE UNIQUE INDEX tax_rates_country_key ON tax_rates (country);

CREATE TABLE discount_codes (
    id                 TEXT      NOT NULL PRIMARY KEY,
    code               TEXT      NOT NULL,       -- upper-case
    kind               TEXT      NOT NULL CONSTRAINT discount_codes_kind_check CHECK (kind IN ('percent', 'fixed')),
    value              BIGINT    NOT NULL CONSTRAINT discount_codes_value_check CHECK (value >= 1),
    currency           TEXT,
    min_subtotal_cents BIGINT,
    starts_at          TIMESTAMP,
    ends_at            TIMESTAMP,
    max_uses           BIGINT,
    max_uses_per_user  BIGINT,
    -- Orders placed with the code and not cancelled. Placing takes a use
    -- only by `UPDATE ... SET uses = uses + 1 WHERE uses < max_uses`.
    uses               BIGINT    NOT NULL DEFAULT 0 CONSTRAINT discount_codes_uses_check CHECK (uses >= 0),
    archived           BOOLEAN   NOT NULL DEFAULT FALSE,
    version            BIGINT    NOT NULL CONSTRAINT discount_codes_version_check CHECK (version >= 1),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
-- Codes are unique and looked up by their text; `q` is a prefix range on it.
CREATE UNIQUE INDEX discount_codes_code_key ON discount_codes (code);

-- Each customer's uses of a code. The row carries the code's per-user limit
-- as it was at the last use, so that the CHECK decides inside the one
-- statement that takes a use (an upsert): no read before the write.
CREATE TABLE discount_customer_uses (
    discount_id TEXT   NOT NULL REFERENCES discount_codes (id),
    user_id     TEXT   NOT NULL REFERENCES users (id),
    uses        BIGINT NOT NULL,
    max_uses    BIGINT,
    CONSTRAINT discount_customer_uses_limit_check CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)),
    PRIMARY KEY (discount_id, user_id)
);

-- Existing orders cost their lines: subtotal = total, the rest 0.
ALTER TABLE orders ADD COLUMN subtotal_cents BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET subtotal_cents = total_cents;
ALTER TABLE orders ADD COLUMN discount_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_cents BIGINT NOT NULL DEFAULT 0;
-- The address shipped to, as it was when ordering (all NULL: none).
ALTER TABLE orders ADD COLUMN ship_name TEXT;
ALTER TABLE orders ADD COLUMN ship_line1 TEXT;
ALTER TABLE orders ADD COLUMN ship_line2 TEXT;
ALTER TABLE orders ADD COLUMN ship_city TEXT;
ALTER TABLE orders ADD COLUMN ship_postal_code TEXT;
ALTER TABLE orders ADD COLUMN ship_region TEXT;
ALTER TABLE orders ADD COLUMN ship_country TEXT;
ALTER TABLE orders ADD COLUMN ship_phone TEXT;
ALTER TABLE orders ADD COLUMN shipping_method_id TEXT;
ALTER TABLE orders ADD COLUMN shipping_method_name TEXT;
ALTER TABLE orders ADD COLUMN shipping_method_price_cents BIGINT;
ALTER TABLE orders ADD COLUMN discount_id TEXT REFERENCES discount_codes (id);
ALTER TABLE orders ADD COLUMN discount_code TEXT;
ALTER TABLE orders ADD COLUMN paid_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN payment_reference TEXT;
ALTER TABLE orders ADD COLUMN cancel_reason TEXT CONSTRAINT orders_cancel_reason_check
    CHECK (cancel_reason IN ('customer', 'admin', 'payment_timeout'));
