-- Search over a large catalogue (issue #24; "Search" in the README says why).
--
-- `q` is a case-insensitive substring of the name. A listing with `q`
-- (crates/adapters/src/product_repository/search.rs) first walks the
-- index of its sort order for a bounded number of rows; only when that
-- walk finds too few matches does it ask FTS5's trigram index (bundled
-- SQLite) for the matches themselves, which are then few.
--
-- The index holds the lower-cased name with a space before it and two
-- after, so one index serves "contains q", "q starts a word" (' q') and "q
-- is whole words" (' q '), the tiers of `sort=relevance`, and every
-- character of the name starts a trigram: a term of one or two characters,
-- which has no trigram of its own, is the trigrams it starts, looked up as a
-- range of the index's vocabulary (`product_name_trigram_terms`).
--
-- FTS5 rows are keyed by an integer. The implicit rowid of `products`
-- (a table keyed by TEXT) may change on VACUUM, so each product gets a key
-- of its own here. Triggers keep everything in step with `products` in the
-- writing transaction itself: a write is searchable, or gone, at once.

CREATE TABLE product_search_keys (
    key        INTEGER NOT NULL PRIMARY KEY,
    product_id TEXT    NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE product_name_trigrams USING fts5(name, tokenize = 'trigram');
CREATE VIRTUAL TABLE product_name_trigram_terms USING fts5vocab(product_name_trigrams, 'row');

INSERT INTO product_search_keys (product_id) SELECT id FROM products ORDER BY id;
INSERT INTO product_name_trigrams (rowid, name)
    SELECT k.key, ' ' || lower(p.name) || '  '
    FROM product_search_keys AS k JOIN products AS p ON p.id = k.product_id
    WHERE NOT p.archived;

-- Live products only, as the listings.
CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
    INSERT INTO product_search_keys (product_id) VALUES (new.id);
    INSERT INTO product_name_trigrams (rowid, name)
        SELECT key, ' ' || lower(new.name) || '  ' FROM product_search_keys
        WHERE product_id = new.id AND NOT new.archived;
END;

CREATE TRIGGER products_search_update AFTER UPDATE OF name, archived ON products BEGIN
    DELETE FROM product_name_trigrams
        WHERE rowid = (SELECT key FROM product_search_keys WHERE product_id = old.id);
    INSERT INTO product_name_trigrams (rowid, name)
        SELECT key, ' ' || lower(new.name) || '  ' FROM product_search_keys
        WHERE product_id = new.id AND NOT new.archived;
END;

CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
    DELETE FROM product_name_trigrams
        WHERE rowid = (SELECT key FROM product_search_keys WHERE product_id = old.id);
    DELETE FROM product_search_keys WHERE product_id = old.id;
END;
