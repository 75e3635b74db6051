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
SELECT disabled FROM users WHERE id = '01KBCS' || lpad(:u::text, 20, '0') AND deleted_at IS NULL LIMIT 1;
\endpipeline
UPDATE products SET stock = stock - 1, version = version + 1, updated_at = now() WHERE id = '01KBPR' || lpad(:p::text, 20, '0') AND stock >= 1 AND NOT archived RETURNING name, price_cents, currency, '01KBOR' || lpad((extract(epoch from clock_timestamp()) * 1000000)::bigint::text, 16, '0') || lpad(:client_id::text, 4, '0') AS order_id \gset
\startpipeline
INSERT INTO orders (id, user_id, status, total_cents, currency, version, created_at, updated_at) VALUES (:order_id, '01KBCS' || lpad(:u::text, 20, '0'), 'pending', :price_cents, :currency, 1, now(), now());
INSERT INTO order_items (order_id, position, product_id, name, quantity, unit_price_cents, line_total_cents) VALUES (:order_id, 0, '01KBPR' || lpad(:p::text, 20, '0'), :name, 1, :price_cents, :price_cents);
COMMIT;
\endpipeline
