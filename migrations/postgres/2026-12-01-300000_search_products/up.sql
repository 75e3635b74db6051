-- Search over a large catalogue (issue #24; "Search" in the README says why).
--
-- `q` is a case-insensitive substring of the name. A listing with `q`
-- (crates/adapters/src/product_repository/search.rs) first walks the
-- index of its sort order for a bounded number of rows; only when that
-- walk finds too few matches does it ask an inverted index for the matches
-- themselves, which are then few. These are the inverted indexes:
--
-- * trigrams of the name padded with a space at each end, so that one
--   index serves "contains q" ('%q%'), "q starts a word" ('% q%') and "q
--   is whole words" ('% q %'), the tiers of `sort=relevance';
-- * the single characters and pairs of characters of the name, for terms
--   of one or two characters, from which pg_trgm gets no trigram (it then
--   reads its whole index).
--
-- Both are ordinary indexes of the table: a write is searchable, or gone,
-- in the very transaction that makes it, on every instance.

DROP INDEX products_live_name_trgm_idx;
CREATE INDEX products_live_name_trgm_idx ON products
    USING gin ((' ' || lower(name) || ' ') public.gin_trgm_ops) WHERE NOT archived;

-- Every character and pair of characters of `t` (repeats are harmless: GIN
-- keeps a key once per row). Immutable: it depends on its argument alone.
-- PL/pgSQL, as the fastest of the forms tried (a SQL function over
-- generate_series took four times as long to index a million names).
CREATE FUNCTION products_name_grams(t TEXT) RETURNS TEXT[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    grams TEXT[] := regexp_split_to_array(t, '');
BEGIN
    FOR i IN 1 .. length(t) - 1 LOOP
        grams := grams || substr(t, i, 2);
    END LOOP;
    RETURN grams;
END
$$;

CREATE INDEX products_live_name_grams_idx ON products
    USING gin (products_name_grams(' ' || lower(name) || ' ')) WHERE NOT archived;
