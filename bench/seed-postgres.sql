-- Seeds the bench database after the server has migrated it (psql -v
-- hash=... -f this). Ids are valid ULIDs (26 Crockford base32 characters,
-- first one 0-7) made from the row number, so the wrk and pgbench scripts
-- can name any row without a look-up:
--   users:    '01KBCS' || 20-digit number, 1..1000, bench_user_0001...
--   products: '01KBPR' || 20-digit number, 1..10000
--   orders:   '01KBHS' || 20-digit number, 1..10000 (history: one line each,
--             by users 17..1000, so the 16 logged-in customers start clean)
-- All users share one bcrypt hash (computed once by run.sh at the server's
-- cost). Products have a stock of a billion, so orders never run short.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO users (id, username, email, full_name, address, role, disabled, password_hash, version, created_at, updated_at)
SELECT '01KBCS' || lpad(g::text, 20, '0'),
       'bench_user_' || lpad(g::text, 4, '0'),
       'bench_user_' || lpad(g::text, 4, '0') || '@example.com',
       'Bench User ' || g,
       g || ' Bench Street, Benchville',
       'customer', false, :'hash', 1,
       (now() AT TIME ZONE 'utc') - make_interval(secs => 1000 - g),
       (now() AT TIME ZONE 'utc') - make_interval(secs => 1000 - g)
FROM generate_series(1, 1000) AS g;

INSERT INTO products (id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at)
SELECT '01KBPR' || lpad(g::text, 20, '0'),
       'Bench product ' || g,
       'A product seeded for the benchmark, number ' || g || '.',
       100 + (g * 7919) % 99900,
       'USD', 1000000000, 'BENCH-' || lpad(g::text, 5, '0'), false, 1,
       (now() AT TIME ZONE 'utc') - make_interval(secs => 10000 - g),
       (now() AT TIME ZONE 'utc') - make_interval(secs => 10000 - g)
FROM generate_series(1, 10000) AS g;

-- A shop has order history. Without it the statistics say `orders` is
-- empty, and a session planning its foreign-key checks then (PostgreSQL
-- caches those plans per session) keeps a sequential scan of `orders` as it
-- grows, until the next ANALYZE.
INSERT INTO orders (id, user_id, status, total_cents, currency, version, created_at, updated_at)
SELECT '01KBHS' || lpad(g::text, 20, '0'),
       '01KBCS' || lpad((17 + g % 984)::text, 20, '0'),
       'delivered', 100 + (g * 7919) % 99900, 'USD', 3,
       (now() AT TIME ZONE 'utc') - make_interval(secs => 20000 - g),
       (now() AT TIME ZONE 'utc') - make_interval(secs => 20000 - g)
FROM generate_series(1, 10000) AS g;
INSERT INTO order_items (order_id, position, product_id, name, quantity, unit_price_cents, line_total_cents)
SELECT '01KBHS' || lpad(g::text, 20, '0'), 0, '01KBPR' || lpad(g::text, 20, '0'), 'Bench product ' || g, 1,
       100 + (g * 7919) % 99900, 100 + (g * 7919) % 99900
FROM generate_series(1, 10000) AS g;

-- The checkout row's shop: a parcel to DE and FR, 19 % in DE (shipping
-- taxed), and a 10 % code without limits (bench/wrk/checkout.lua).
INSERT INTO shipping_methods (id, name, price_cents, currency, countries, free_over_cents, archived, version, created_at, updated_at)
VALUES ('01KBSM' || lpad('1', 20, '0'), 'Bench parcel', 490, 'USD', ',DE,FR,', NULL, FALSE, 1,
        now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc');
INSERT INTO tax_rates (id, country, rate_bp, includes_shipping, version, created_at, updated_at)
VALUES ('01KBTX' || lpad('1', 20, '0'), 'DE', 1900, TRUE, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc');
INSERT INTO discount_codes (id, code, kind, value, currency, min_subtotal_cents, starts_at, ends_at, max_uses,
                            max_uses_per_user, uses, archived, version, created_at, updated_at)
VALUES ('01KBDC' || lpad('1', 20, '0'), 'BENCH10', 'percent', 10, NULL, NULL, NULL, NULL, NULL, NULL, 0, FALSE, 1,
        now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc');
COMMIT;
ANALYZE;
