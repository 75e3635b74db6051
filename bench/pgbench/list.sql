-- GET /api/v1/products?limit=20: the first keyset page, newest first, one row
-- more than the page (crates/adapters/src/product_repository/listing.rs).
SELECT id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at FROM products WHERE NOT archived ORDER BY id DESC LIMIT 21;
