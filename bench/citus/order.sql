-- POST /api/v1/orders with one line, for Citus and the plain PostgreSQL it
-- is compared with (scripts/citus-test.sh, over bench/seed-postgres.sql):
-- bench/pgbench/order.sql's statements, but the order id is a random number
-- drawn by pgbench, not made in the UPDATE's RETURNING from
-- clock_timestamp(): Citus refuses non-IMMUTABLE functions in the RETURNING
-- of a statement on a distributed table. So ids are not monotonic here, on
-- either database. Run with -M prepared (the \gset values are parameters).
\set p random(1, 10000)
\set u random(1, 16)
\set o random(1, 999999999999999)
BEGIN;
SELECT disabled FROM users WHERE id = '01KBCS' || lpad(:u::text, 20, '0') AND deleted_at IS NULL AND session_generation = 0 LIMIT 1;
UPDATE products SET stock = stock - 1, version = version + 1, updated_at = now() WHERE id = '01KBPR' || lpad(:p::text, 20, '0') AND stock >= 1 AND NOT archived RETURNING name, price_cents, currency \gset
INSERT INTO orders (id, user_id, status, total_cents, currency, version, created_at, updated_at, subtotal_cents, discount_cents, shipping_cents, tax_cents, ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_region, ship_country, ship_phone, shipping_method_id, shipping_method_name, shipping_method_price_cents, discount_id, discount_code, paid_at, payment_reference, cancel_reason) VALUES ('01KBOR' || lpad(:o::text, 20, '0'), '01KBCS' || lpad(:u::text, 20, '0'), 'pending', :price_cents, :currency, 1, now(), now(), :price_cents, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO order_items (order_id, position, product_id, name, quantity, unit_price_cents, line_total_cents) VALUES ('01KBOR' || lpad(:o::text, 20, '0'), 0, '01KBPR' || lpad(:p::text, 20, '0'), :name, 1, :price_cents, :price_cents);
INSERT INTO events (id, event_type, resource_type, resource_id, resource_version, data, created_at) VALUES ('01KBEV' || lpad(:o::text, 20, '0'), 'order.placed', 'order', '01KBOR' || lpad(:o::text, 20, '0'), 1, json_build_object('id', ('01KBOR' || lpad(:o::text, 20, '0')), 'user_id', '01KBCS' || lpad(:u::text, 20, '0'), 'status', 'pending', 'items', json_build_array(json_build_object('product_id', '01KBPR' || lpad(:p::text, 20, '0'), 'name', :name::text, 'quantity', 1, 'unit_price_cents', :price_cents::bigint, 'line_total_cents', :price_cents::bigint)), 'subtotal_cents', :price_cents::bigint, 'discount_cents', 0, 'shipping_cents', 0, 'tax_cents', 0, 'total_cents', :price_cents::bigint, 'currency', :currency::text, 'shipping_address', NULL, 'shipping_method', NULL, 'discount_code', NULL, 'paid_at', NULL, 'payment_reference', NULL, 'cancel_reason', NULL, 'version', 1, 'created_at', now(), 'updated_at', now())::text, now());
COMMIT;
