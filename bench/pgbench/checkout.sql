-- POST /api/v1/orders with an address, a shipping method, a tax rate and a
-- percent code (bench/wrk/checkout.lua): the statements the server runs
-- (crates/adapters/src/order_repository/statements.rs), one round trip
-- each here. The server sends BEGIN, the customer check, the stock UPDATE,
-- the method and rate reads and the code's use in one flight, and the
-- customer's use, the inserts and COMMIT in another; pgbench cannot (\gset
-- is not allowed in its pipeline mode). Amounts are computed in SQL as the
-- server's pricing function does in Rust.
\set p random(1, 10000)
\set u random(1, 16)
BEGIN;
SELECT disabled FROM users WHERE id = '01KBCS' || lpad(:u::text, 20, '0') AND deleted_at IS NULL LIMIT 1;
UPDATE products SET stock = stock - 1, version = version + 1, updated_at = now() WHERE id = '01KBPR' || lpad(:p::text, 20, '0') AND stock >= 1 AND NOT archived RETURNING name, price_cents, currency, '01KBOR' || lpad((extract(epoch from clock_timestamp()) * 1000000)::bigint::text, 16, '0') || lpad(:client_id::text, 4, '0') AS order_id \gset
SELECT id AS method_id, name AS method_name, price_cents AS method_price, currency, countries, free_over_cents, archived FROM shipping_methods WHERE id = '01KBSM' || lpad('1', 20, '0') LIMIT 1 \gset
SELECT id, country, rate_bp, includes_shipping FROM tax_rates WHERE country = 'DE' LIMIT 1;
UPDATE discount_codes SET uses = uses + 1 WHERE code = 'BENCH10' AND NOT archived AND (max_uses IS NULL OR uses < max_uses) RETURNING id AS discount_id, max_uses_per_user \gset
INSERT INTO discount_customer_uses (discount_id, user_id, uses, max_uses) VALUES (:discount_id, '01KBCS' || lpad(:u::text, 20, '0'), 1, NULL) ON CONFLICT (discount_id, user_id) DO UPDATE SET uses = discount_customer_uses.uses + 1, max_uses = excluded.max_uses;
\set discount (:price_cents * 10 * 2 + 100) / 200
\set tax ((:price_cents - :discount + :method_price) * 1900 * 2 + 10000) / 20000
\set total :price_cents - :discount + :method_price + :tax
INSERT INTO orders (id, user_id, status, total_cents, currency, version, created_at, updated_at, subtotal_cents, discount_cents, shipping_cents, tax_cents, ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_region, ship_country, ship_phone, shipping_method_id, shipping_method_name, shipping_method_price_cents, discount_id, discount_code, paid_at, payment_reference, cancel_reason) VALUES (:order_id, '01KBCS' || lpad(:u::text, 20, '0'), 'pending', :total, :currency, 1, now(), now(), :price_cents, :discount, :method_price, :tax, 'Bench Buyer', 'Hauptstr. 1', NULL, 'Berlin', '10115', NULL, 'DE', NULL, :method_id, :method_name, :method_price, :discount_id, 'BENCH10', NULL, NULL, NULL);
INSERT INTO order_items (order_id, position, product_id, name, quantity, unit_price_cents, line_total_cents) VALUES (:order_id, 0, '01KBPR' || lpad(:p::text, 20, '0'), :name, 1, :price_cents, :price_cents);
COMMIT;
