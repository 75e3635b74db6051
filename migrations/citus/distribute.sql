-- Distributes Zonmart's schema over a Citus cluster (scripts/citus.sh). Not a
-- diesel migration: run it with psql on the coordinator's `zonmart` database
-- after the migrations in migrations/postgres:
--
--   psql "$PRIMARY_URL" -v ON_ERROR_STOP=1 -f migrations/citus/distribute.sql
--
-- Safe to run twice, and to run again after a failed run: every conversion
-- checks pg_dist_partition first, every dropped or added constraint checks
-- pg_constraint / pg_indexes.
--
-- The layout (Citus 13.2, checked on scripts/citus.sh's cluster):
--
--   distributed (hash)  products (id), orders (id), order_items (order_id,
--                       co-located with orders), product_skus (sku),
--                       idempotency_keys (user_id), discount_customer_uses
--                       (user_id, co-located with idempotency_keys)
--   reference           users, shipping_methods, tax_rates, discount_codes,
--                       api_keys, webhooks (a copy on every node: any unique
--                       index or check holds, writes go to every node)
--   Citus local         carts, cart_items, addresses, refresh_tokens,
--                       webhook_deliveries (on the coordinator, in Citus's
--                       metadata, so their foreign keys to reference tables hold)
--   plain local         events, webhook_fanout, payment_events, demo_marker,
--                       __diesel_schema_migrations (on the coordinator only; no
--                       foreign keys; events keeps its pg_current_xact_id() /
--                       pg_snapshot_xmin feed, which needs one node's xids)
--
-- What Citus refuses, so what changes for the application:
--
-- * A distributed table's unique indexes must include its distribution
--   column ("cannot create constraint on "products" / Distributed relations
--   cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not
--   include the partition column"). products_sku_key is therefore replaced by
--   the lookup table product_skus (sku PRIMARY KEY, product_id), distributed by
--   sku, whose primary key is named products_sku_key, as the index was, so the
--   adapters' mapping of a violation to the field `sku` stays. The application
--   must write it in the product's transaction: INSERT on create with a SKU,
--   DELETE + INSERT on a SKU change, DELETE when the product goes.
-- * Foreign keys hold only between co-located distributed tables, from a
--   distributed table to a reference table, and among reference and local
--   tables. Dropped, the application keeps them:
--     order_items_product_id_fkey  (order_items by order_id -> products by id)
--     cart_items_product_id_fkey   (a local table -> a distributed table:
--       Citus accepts it when the products are distributed afterwards, but
--       only inserts into cart_items are checked; a deleted product leaves
--       its cart lines behind)
--   Every other foreign key is kept under its own name.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RAISE EXCEPTION 'the citus extension is not installed in database %', current_database();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid = 0 AND noderole = 'primary')
     OR (SELECT count(*) FROM pg_dist_node WHERE groupid > 0 AND noderole = 'primary' AND isactive) = 0 THEN
    RAISE EXCEPTION 'run this on a Citus coordinator with at least one active worker';
  END IF;
  IF NOT citus_is_coordinator() THEN
    RAISE EXCEPTION 'this is not the coordinator';
  END IF;
END
$$;

-- 1. The SKU lookup, filled from the products in the transaction that drops
--    products_sku_key (its name passes to the lookup's primary key), with
--    the products locked against writes meanwhile.
BEGIN;
DO $$
BEGIN
  IF to_regclass('product_skus') IS NULL THEN
    LOCK TABLE products IN SHARE MODE;
    IF EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()
               AND tablename = 'products' AND indexname = 'products_sku_key') THEN
      DROP INDEX products_sku_key;
    END IF;
    CREATE TABLE product_skus (
        sku        TEXT NOT NULL,
        product_id TEXT NOT NULL,
        CONSTRAINT products_sku_key PRIMARY KEY (sku)
    );
    INSERT INTO product_skus (sku, product_id) SELECT sku, id FROM products WHERE sku IS NOT NULL;
  END IF;
END
$$;
COMMIT;

-- 2. Foreign keys. Until every table has its place, the foreign keys among
--    converted tables are dropped (Citus refuses to distribute a table that a
--    local table references, and a table that references a still local one);
--    step 6 adds back all but the two that cannot hold.
DO $$
DECLARE
  target CONSTANT text[][] := ARRAY[
    ['products', 'h'], ['product_skus', 'h'], ['orders', 'h'], ['order_items', 'h'],
    ['idempotency_keys', 'h'], ['discount_customer_uses', 'h'],
    ['users', 'r'], ['shipping_methods', 'r'], ['tax_rates', 'r'], ['discount_codes', 'r'],
    ['api_keys', 'r'], ['webhooks', 'r'],
    ['carts', 'l'], ['cart_items', 'l'], ['addresses', 'l'], ['refresh_tokens', 'l'],
    ['webhook_deliveries', 'l']];
  done boolean := true;
  fk record;
  i int;
BEGIN
  FOR i IN 1 .. array_length(target, 1) LOOP
    -- h: hash-distributed; r: reference; l: Citus local added on purpose (not auto-converted)
    IF NOT EXISTS (
        SELECT 1 FROM pg_dist_partition p
        WHERE p.logicalrelid = to_regclass(target[i][1])
          AND CASE target[i][2]
                WHEN 'h' THEN p.partmethod = 'h'
                WHEN 'r' THEN p.partmethod = 'n' AND p.repmodel = 't'
                ELSE p.partmethod = 'n' AND p.repmodel = 's' AND NOT p.autoconverted
              END) THEN
      done := false;
    END IF;
  END LOOP;
  IF done THEN
    RETURN;
  END IF;
  -- By the logical tables' names: on the coordinator a Citus local table's
  -- shard carries the same foreign keys, with a suffix.
  FOR fk IN
    SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
    WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace
      AND c.relname IN ('refresh_tokens', 'carts', 'cart_items', 'orders', 'order_items',
                        'idempotency_keys', 'addresses', 'discount_customer_uses', 'webhook_deliveries')
      AND k.conname IN ('refresh_tokens_user_id_fkey', 'carts_user_id_fkey', 'cart_items_cart_id_fkey',
                        'cart_items_product_id_fkey', 'orders_user_id_fkey', 'orders_discount_id_fkey',
                        'order_items_order_id_fkey', 'order_items_product_id_fkey',
                        'idempotency_keys_user_id_fkey', 'addresses_user_id_fkey',
                        'discount_customer_uses_discount_id_fkey', 'discount_customer_uses_user_id_fkey',
                        'webhook_deliveries_webhook_id_fkey')
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', fk.relname, fk.conname);
  END LOOP;
END
$$;

-- Undoes Citus's automatic conversions, should a failed earlier run have left
-- some: a table auto-converted to a Citus local table cannot be distributed.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['products', 'product_skus', 'orders', 'order_items',
                           'idempotency_keys', 'discount_customer_uses'] LOOP
    IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = t::regclass AND partmethod = 'n') THEN
      PERFORM undistribute_table(t::regclass, cascade_via_foreign_keys => true);
    END IF;
  END LOOP;
END
$$;

-- Helpers for this session only (pg_temp: not propagated to the workers).
SET citus.enable_ddl_propagation = off;
CREATE FUNCTION pg_temp.distribute(tbl regclass, col text, colocate text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl) THEN
    PERFORM create_distributed_table(tbl, col, colocate_with => colocate);
  END IF;
END
$$;
CREATE FUNCTION pg_temp.reference(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl) THEN
    PERFORM create_reference_table(tbl);
  END IF;
END
$$;
CREATE FUNCTION pg_temp.keep_local(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl AND NOT autoconverted) THEN
    PERFORM citus_add_local_table_to_metadata(tbl);
  END IF;
END
$$;
CREATE FUNCTION pg_temp.add_fk(tbl regclass, name text, definition text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = tbl AND conname = name) THEN
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', tbl, name, definition);
  END IF;
END
$$;
RESET citus.enable_ddl_propagation;

\o /dev/null
-- 3. Distributed tables, each checked first. Co-location: order_items with
--    orders (their foreign key), discount_customer_uses with idempotency_keys
--    (both by user_id); the others in groups of their own.
SELECT pg_temp.distribute('products', 'id', 'none');
SELECT pg_temp.distribute('product_skus', 'sku', 'none');
SELECT pg_temp.distribute('orders', 'id', 'none');
SELECT pg_temp.distribute('order_items', 'order_id', 'orders');
SELECT pg_temp.distribute('idempotency_keys', 'user_id', 'none');
SELECT pg_temp.distribute('discount_customer_uses', 'user_id', 'idempotency_keys');

-- 4. Reference tables.
SELECT pg_temp.reference('users');
SELECT pg_temp.reference('shipping_methods');
SELECT pg_temp.reference('tax_rates');
SELECT pg_temp.reference('discount_codes');
SELECT pg_temp.reference('api_keys');
SELECT pg_temp.reference('webhooks');

-- 5. Citus local tables: they stay on the coordinator, with any unique index,
--    and may reference reference tables. Added on purpose (an auto-converted
--    one is turned back into a plain table when its last such foreign key goes).
SELECT pg_temp.keep_local('carts');
SELECT pg_temp.keep_local('cart_items');
SELECT pg_temp.keep_local('addresses');
SELECT pg_temp.keep_local('refresh_tokens');
SELECT pg_temp.keep_local('webhook_deliveries');

-- 6. The foreign keys that hold, under their own names.
SELECT pg_temp.add_fk('orders', 'orders_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.add_fk('orders', 'orders_discount_id_fkey', 'FOREIGN KEY (discount_id) REFERENCES discount_codes (id)');
SELECT pg_temp.add_fk('order_items', 'order_items_order_id_fkey', 'FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE');
SELECT pg_temp.add_fk('idempotency_keys', 'idempotency_keys_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.add_fk('discount_customer_uses', 'discount_customer_uses_discount_id_fkey', 'FOREIGN KEY (discount_id) REFERENCES discount_codes (id)');
SELECT pg_temp.add_fk('discount_customer_uses', 'discount_customer_uses_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.add_fk('refresh_tokens', 'refresh_tokens_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.add_fk('carts', 'carts_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.add_fk('cart_items', 'cart_items_cart_id_fkey', 'FOREIGN KEY (cart_id) REFERENCES carts (id) ON DELETE CASCADE');
SELECT pg_temp.add_fk('addresses', 'addresses_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id)');
SELECT pg_temp.add_fk('webhook_deliveries', 'webhook_deliveries_webhook_id_fkey', 'FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE');

\o
-- 7. What it came to.
RESET client_min_messages;
SELECT c.relname AS table_name,
       CASE WHEN p.logicalrelid IS NULL THEN 'plain local'
            WHEN p.partmethod = 'h' THEN 'distributed by ' || column_to_column_name(p.logicalrelid, p.partkey)
            WHEN p.repmodel = 't' THEN 'reference'
            ELSE 'citus local' || CASE WHEN p.autoconverted THEN ' (auto)' ELSE '' END
       END AS kind,
       p.colocationid
FROM pg_class c
LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY 2, 1;
