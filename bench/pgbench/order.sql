-- POST /api/v1/orders with one line: the statements the server runs
-- (crates/adapters/src/order_repository/place.rs): check the customer (the
-- token's user exists and is enabled), take the stock with a guarded UPDATE
-- that returns the product's terms, insert the order (every column, as the
-- server's row has them), insert its line and its `order.placed` event (the
-- outbox: the order's JSON, about the size the server writes), commit, in one
-- READ COMMITTED transaction. The order id is made
-- monotonic like the server's ULIDs (time first), so the primary-key index
-- grows at its right edge in both; it is computed in the UPDATE's RETURNING
-- to save no round trip the server would not save. Each statement is one
-- round trip here; the server sends BEGIN with the check and the UPDATE,
-- and the inserts with COMMIT (two flights, see
-- crates/adapters/src/db/pipeline.rs), which pgbench cannot do for this
-- transaction (\gset is not allowed in its pipeline mode);
-- order-pipelined.sql pipelines what pgbench can.
\set p random(1, 10000)
\set u random(1, 16)
BEGIN;
SELECT disabled FROM users WHERE id = '01KBCS' || lpad(:u::text, 20, '0') AND deleted_at IS NULL AND session_generation = 0 LIMIT 1;
UPDATE products SET stock = stock - 1, version = version + 1, updated_at = now() WHERE id = '01KBPR' || lpad(:p::text, 20, '0') AND stock >= 1 AND NOT archived RETURNING name, price_cents, currency, '01KBOR' || lpad((extract(epoch from clock_timestamp()) * 1000000)::bigint::text, 16, '0') || lpad(:client_id::text, 4, '0') AS order_id \gset
INSERT INTO orders (id, user_id, status, total_cents, currency, version, created_at, updated_at, subtotal_cents, discount_cents, shipping_cents, tax_cents, ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_region, ship_country, ship_phone, shipping_method_id, shipping_method_name, shipping_method_price_cents, discount_id, discount_code, paid_at, payment_reference, cancel_reason) VALUES (:order_id, '01KBCS' || lpad(:u::text, 20, '0'), 'pending', :price_cents, :currency, 1, now(), now(), :price_cents, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO order_items (order_id, position, product_id, name, quantity, unit_price_cents, line_total_cents) VALUES (:order_id, 0, '01KBPR' || lpad(:p::text, 20, '0'), :name, 1, :price_cents, :price_cents);
INSERT INTO events (id, event_type, resource_type, resource_id, resource_version, data, created_at) VALUES ('01KBEV' || substr(:order_id, 7), 'order.placed', 'order', :order_id, 1, json_build_object('id', :order_id::text, 'user_id', '01KBCS' || lpad(:u::text, 20, '0'), 'status', 'pending', 'items', json_build_array(json_build_object('product_id', '01KBPR' || lpad(:p::text, 20, '0'), 'name', :name::text, 'quantity', 1, 'unit_price_cents', :price_cents::bigint, 'line_total_cents', :price_cents::bigint)), 'subtotal_cents', :price_cents::bigint, 'discount_cents', 0, 'shipping_cents', 0, 'tax_cents', 0, 'total_cents', :price_cents::bigint, 'currency', :currency::text, 'shipping_address', NULL, 'shipping_method', NULL, 'discount_code', NULL, 'paid_at', NULL, 'payment_reference', NULL, 'cancel_reason', NULL, 'version', 1, 'created_at', now(), 'updated_at', now())::text, now());
COMMIT;
