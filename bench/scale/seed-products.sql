-- Seeds :n products straight through SQL (psql -v n=1000000 -f this), into
-- a database the server has migrated. Ids are ULIDs made from the row
-- number ('01KBSC' || 20 digits), so the load client can name any row, and
-- row g is created g seconds after row g-1 (newest = highest g).
--
-- Names are "<adjective> <material> <noun> <number>" from fixed lists,
-- chosen by hashing the row number, so any window of rows has the same mix:
-- "Teapot" is one noun in 8, "Teapot 999" one name in 8,000, "zebra" none.
-- One product in 7 is sold out, one in 50 archived.
\set ON_ERROR_STOP on
INSERT INTO products (id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at)
SELECT '01KBSC' || lpad(g::text, 20, '0'),
       (ARRAY['Red','Blue','Green','Small','Large','Classic','Modern','Rustic',
              'Vintage','Compact','Deluxe','Premium','Simple','Elegant','Sturdy','Handmade'])[1 + abs(hashint4(g)) % 16]
         || ' ' || (ARRAY['Cast Iron','Ceramic','Glass','Steel','Bamboo','Copper','Oak','Linen','Wool','Stone'])[1 + abs(hashint4(g + 7)) % 10]
         || ' ' || (ARRAY['Teapot','Mug','Kettle','Bowl','Plate','Vase','Lamp','Basket'])[1 + abs(hashint4(g + 13)) % 8]
         || ' ' || (abs(hashint4(g + 29)) % 1000),
       'Seeded for the scale benchmark, number ' || g || '.',
       100 + abs(hashint4(g + 41)) % 99900,
       'USD',
       CASE WHEN g % 7 = 0 THEN 0 ELSE 1000000000 END,
       NULL,
       g % 50 = 0,
       1,
       timestamp '2026-01-01' + make_interval(secs => g),
       timestamp '2026-01-01' + make_interval(secs => g)
FROM generate_series(1, :n) AS g;
