-- GET /api/v1/products/{id}: the one SELECT the handler runs
-- (crates/adapters/src/product_repository/mod.rs, `find`), every column of
-- ProductRow, by primary key. Ids as seeded by bench/seed-postgres.sql.
\set p random(1, 10000)
SELECT id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at FROM products WHERE id = '01KBPR' || lpad(:p::text, 20, '0') LIMIT 1;
