-- GET /api/v1/products/{id} as the server puts it on the wire today: the
-- pool's check of the connection at checkout (diesel-async's
-- RecyclingMethod::Verified sends `SELECT $1`), then the SELECT. Not part of
-- the default run (BENCH_PGBENCH_SCRIPTS="product product-wire ..."): it tells
-- how much of the gap to product.sql is the extra round trip.
\set p random(1, 10000)
SELECT 1;
SELECT id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at FROM products WHERE id = '01KBPR' || lpad(:p::text, 20, '0') LIMIT 1;
