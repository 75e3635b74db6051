DROP TRIGGER products_search_delete;
DROP TRIGGER products_search_update;
DROP TRIGGER products_search_insert;
DROP TABLE product_name_trigram_terms;
DROP TABLE product_name_trigrams;
DROP TABLE product_search_keys;
