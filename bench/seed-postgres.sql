-- Seeds the bench database after the server has migrated it (psql -v
-- hash=... -f this). Ids are valid ULIDs (26 Crockford base32 characters,
-- first one 0-7) made from the row number, so the wrk and pgbench scripts
-- can name any row without a look-up:
--   users:    '01KBCS' || 20-digit number, 1..1000, bench_user_0001...
--   products: '01KBPR' || 20-digit number, 1..10000
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
COMMIT;
ANALYZE;
