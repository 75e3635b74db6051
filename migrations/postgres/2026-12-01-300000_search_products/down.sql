DROP INDEX products_live_name_grams_idx;
DROP FUNCTION products_name_grams(TEXT);
DROP INDEX products_live_name_trgm_idx;
CREATE INDEX products_live_name_trgm_idx ON products USING gin (lower(name) public.gin_trgm_ops) WHERE NOT archived;
