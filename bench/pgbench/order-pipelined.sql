-- POST /api/v1/orders as pipelined as pgbench can send it: order.sql with
-- BEGIN and the customer check in one pipeline, and the inserts and COMMIT
-- in another; the UPDATE goes alone, as its answer feeds the inserts through
-- \gset, which pgbench's pipeline mode does not allow. Three round trips to
-- the server's two. bench/run.sh judges the order target against the faster
-- of this and order.sql.
\set p random(1, 10000)
\set u random(1, 16)
\startpipeline
BEGIN;
SELECT disabled FROM users WHERE id = '01KBCS' || lpad(:u::text, 20, '0') AND deleted_at IS NULL AND session_generation = 0 LIMIT 1;
\endpipeline
UPDATE products SET stock = stock - 1, version = version + 1, updated_at = now() WHERE id = '01KBPR' || lpad(:p::text, 20, '0') AND stock >= 1 AND NOT archived RETURNING name, price_cents, currency, '01KBOR' || lpad((extract(epoch from clock_timestamp()) * 1000000)::bigint::text, 16, '0') || lpad(:client_id::text, 4, '0') AS order_id \gset
\startpipeline
INSERT INTO orders (id, user_id, status, total_cents, currency, version, created_at, updated_at, subtotal_cents, discount_cents, shipping_cents, tax_cents, ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_region, ship_country, ship_phone, shipping_method_id, shipping_method_name, shipping_method_price_cents, discount_id, discount_code, paid_at, payment_reference, cancel_reason) VALUES (:order_id, '01KBCS' || lpad(:u::text, 20, '0'), 'pending', :price_cents, :currency, 1, now(), now(), :price_cents, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO order_items (order_id, position, product_id, name, quantity, unit_price_cents, line_total_cents) VALUES (:order_id, 0, '01KBPR' || lpad(:p::text, 20, '0'), :name, 1, :price_cents, :price_cents);
INSERT INTO events (id, event_type, resource_type, resource_id, resource_version, data, created_at) VALUES ('01KBEV' || substr(:order_id, 7), 'order.placed', 'order', :order_id, 1, json_build_object('id', :order_id::text, 'user_id', '01KBCS' || lpad(:u::text, 20, '0'), 'status', 'pending', 'items', json_build_array(json_build_object('product_id', '01KBPR' || lpad(:p::text, 20, '0'), 'name', :name::text, 'quantity', 1, 'unit_price_cents', :price_cents::bigint, 'line_total_cents', :price_cents::bigint)), 'subtotal_cents', :price_cents::bigint, 'discount_cents', 0, 'shipping_cents', 0, 'tax_cents', 0, 'total_cents', :price_cents::bigint, 'currency', :currency::text, 'shipping_address', NULL, 'shipping_method', NULL, 'discount_code', NULL, 'paid_at', NULL, 'payment_reference', NULL, 'cancel_reason', NULL, 'version', 1, 'created_at', now(), 'updated_at', now())::text, now());
COMMIT;
\endpipeline
