//! Product listings as SQL: filters, sort orders and keyset pages, written
//! for either backend.
//!
//! Each sort has a partial index over live products ending in the id
//! (`migrations/*/..._create_products`), and each page starts where the last
//! one ended (`(key, id) > (cursor key, cursor id)`), never at an OFFSET.
//! A listing with `q` is more than one statement: [`super::search`] decides
//! which; this module only writes them.
//!
//! The text is written by hand rather than with diesel's query builder:
//! the bounded walk is a query over a sub-query, and the full-text pieces
//! differ between the backends, neither of which the builder expresses.
//! Every value is a bind parameter.

use zonmart_domain::{Cursor, Limit, PageRequest, SortKey};
use zonmart_ports::{ProductFilter, ProductSort, Relevance};

use crate::db::like::like_literal;

/// The columns of [`super::rows::ProductRow`], in its order.
const COLUMNS: &str =
    "id, name, description, price_cents, currency, stock, sku, archived, version, created_at, updated_at";

/// The name as the search indexes hold it: lower case, a space at each end,
/// so that "q starts a word" is `LIKE '% q%'` even for the first word.
const PADDED_NAME: &str = "(' ' || lower(name) || ' ')";

/// The SQL spoken by the database at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Sqlite,
}

/// A bind value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// One statement and its bind values, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
    /// Whether to prepare it once per connection and reuse it: yes for a
    /// listing without `q` (its text depends only on its shape, and its
    /// plan, a walk of the order's index, on no value); never for a search,
    /// whose plan depends on the term (PostgreSQL's generic plan for the
    /// trigram probe is a scan of every product: a second a request at a
    /// million products).
    pub prepare_once: bool,
}

/// Writes a statement: text with the dialect's placeholders.
struct Sql {
    dialect: Dialect,
    text: String,
    binds: Vec<Bind>,
    /// It searches (a `q` condition): planned for its values every time.
    searches: bool,
}

impl Sql {
    fn new(dialect: Dialect) -> Self {
        Self { dialect, text: String::with_capacity(512), binds: Vec::new(), searches: false }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        match self.dialect {
            Dialect::Postgres => {
                let n = self.binds.len();
                self.text.push_str(&format!("${n}"));
            }
            Dialect::Sqlite => self.text.push('?'),
        }
        self
    }

    fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(value.into()))
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Bind::Int(value))
    }

    fn finish(self) -> Statement {
        Statement { sql: self.text, binds: self.binds, prepare_once: !self.searches }
    }
}

/// An order rows are walked in, each served by a partial index ending in
/// the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    IdDescending,
    IdAscending,
    PriceAscending,
    PriceDescending,
    NameAscending,
}

/// Where a page starts: after this id, and this sort key when the order
/// has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct After {
    pub id: String,
    pub key: Option<SortKey>,
}

impl Order {
    /// The listing order of a sort; relevance walks each tier newest first.
    pub fn of(sort: ProductSort) -> Self {
        match sort {
            ProductSort::NewestFirst | ProductSort::Relevance => Order::IdDescending,
            ProductSort::OldestFirst => Order::IdAscending,
            ProductSort::PriceAscending => Order::PriceAscending,
            ProductSort::PriceDescending => Order::PriceDescending,
            ProductSort::NameAscending => Order::NameAscending,
        }
    }

    /// `ORDER BY` text. `indexed: false` writes each key as an expression no
    /// index has, so the planner cannot walk an ordered index for it: the
    /// probe must start from the inverted index and sort its few matches.
    fn order_by(self, sql: &mut Sql, indexed: bool) {
        let spell = |column: &'static str| -> &'static str {
            match (indexed, sql.dialect, column) {
                (true, _, _) => column,
                (false, Dialect::Postgres, "id") => "(id || '')",
                (false, Dialect::Postgres, "name") => "(name || '')",
                (false, Dialect::Postgres, _) => "(price_cents + 0)",
                // SQLite's unary `+` is a no-op that no index answers.
                (false, Dialect::Sqlite, "id") => "+id",
                (false, Dialect::Sqlite, "name") => "+name",
                (false, Dialect::Sqlite, _) => "+price_cents",
            }
        };
        let (key, id) = (self.key_column().map(spell), spell("id"));
        let direction = match self {
            Order::IdDescending | Order::PriceDescending => " DESC",
            Order::IdAscending | Order::PriceAscending | Order::NameAscending => "",
        };
        sql.push(" ORDER BY ");
        if let Some(key) = key {
            sql.push(key).push(direction).push(", ");
        }
        sql.push(id).push(direction);
    }

    fn key_column(self) -> Option<&'static str> {
        match self {
            Order::IdDescending | Order::IdAscending => None,
            Order::PriceAscending | Order::PriceDescending => Some("price_cents"),
            Order::NameAscending => Some("name"),
        }
    }

    /// ` AND <after the cursor>`. A cursor without the order's key (the
    /// caller checks kinds) pages by id alone.
    fn after(self, sql: &mut Sql, after: &After) {
        let (before, ahead) = match self {
            Order::IdDescending | Order::PriceDescending => ("<", "<="),
            Order::IdAscending | Order::PriceAscending | Order::NameAscending => (">", ">="),
        };
        match (self, &after.key) {
            (Order::PriceAscending | Order::PriceDescending, Some(SortKey::Int(price))) => {
                // The redundant `>=` bounds the index scan; the `OR` alone would not.
                sql.push(&format!(" AND price_cents {ahead} ")).int(*price);
                sql.push(&format!(" AND (price_cents {before} ")).int(*price);
                sql.push(&format!(" OR id {before} ")).text(after.id.clone()).push(")");
            }
            (Order::NameAscending, Some(SortKey::Text(name))) => {
                sql.push(" AND name >= ").text(name.clone());
                sql.push(" AND (name > ").text(name.clone()).push(" OR id > ").text(after.id.clone()).push(")");
            }
            _ => {
                sql.push(&format!(" AND id {before} ")).text(after.id.clone());
            }
        }
    }
}

/// One listing asked for, with owned values, ready to become statements.
#[derive(Debug, Clone)]
pub(crate) struct Listing {
    /// `q`, lower-cased, as typed otherwise.
    pub term: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    pub sort: ProductSort,
    pub after: Option<Cursor>,
    pub limit: Limit,
}

/// Which names a statement keeps, as a pattern over [`PADDED_NAME`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    /// Every live product the filters keep (no `q`).
    Everything,
    /// Names containing `q`.
    Contains,
    /// Names containing `q` in this tier of relevance.
    Tier(Relevance),
}

/// How the rows of a statement with `q` are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// Along the order's index, at most this many rows (after the other
    /// filters), keeping those that match.
    Walk { rows: u32 },
    /// From the inverted index, then sorted.
    Probe(Candidates),
}

/// What the inverted index is asked, for a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Candidates {
    /// The statement's own `LIKE` (PostgreSQL: pg_trgm serves it when the
    /// pattern holds a trigram).
    Like,
    /// PostgreSQL: names holding this one- or two-character gram.
    Gram(String),
    /// SQLite: names whose trigram index matches this FTS5 query.
    Fts(String),
}

impl Listing {
    pub fn new(filter: &ProductFilter, sort: ProductSort, page: PageRequest) -> Self {
        Self {
            term: filter.q.as_deref().map(str::to_lowercase),
            min_price: filter.min_price.map(|p| p.get()),
            max_price: filter.max_price.map(|p| p.get()),
            in_stock: filter.in_stock,
            sort,
            after: page.after,
            limit: page.limit,
        }
    }

    /// The text `q` must occur as, within the padded name, for `matching`:
    /// `q` itself, or with the spaces that mark a word's start (and end).
    pub fn fragment(&self, matching: Matching) -> Option<String> {
        let term = self.term.as_deref()?;
        Some(match matching {
            Matching::Everything => return None,
            Matching::Contains | Matching::Tier(Relevance::Elsewhere) => term.to_owned(),
            Matching::Tier(Relevance::WordPrefix) => format!(" {term}"),
            Matching::Tier(Relevance::WholeWords) => format!(" {term} "),
        })
    }

    /// One statement: the live products this listing keeps that `matching`
    /// also keeps, in `order` after `after`, at most `fetch` of them, found
    /// by `route` (`None`: no `q`, the order's index alone).
    pub fn statement(
        &self,
        dialect: Dialect,
        matching: Matching,
        order: Order,
        after: Option<&After>,
        route: Option<&Route>,
        fetch: u32,
    ) -> Statement {
        let mut sql = Sql::new(dialect);
        match route {
            Some(Route::Walk { rows }) => {
                sql.push("SELECT ").push(COLUMNS).push(" FROM (SELECT ").push(COLUMNS).push(" FROM products");
                self.filters(&mut sql, order, after);
                order.order_by(&mut sql, true);
                sql.push(" LIMIT ").int(i64::from(*rows)).push(") AS walked WHERE TRUE");
                self.matching(&mut sql, matching);
                order.order_by(&mut sql, true);
            }
            Some(Route::Probe(candidates)) => {
                sql.push("SELECT ").push(COLUMNS).push(" FROM products");
                self.filters(&mut sql, order, after);
                self.candidates(&mut sql, candidates);
                self.matching(&mut sql, matching);
                order.order_by(&mut sql, false);
            }
            None => {
                sql.push("SELECT ").push(COLUMNS).push(" FROM products");
                self.filters(&mut sql, order, after);
                self.matching(&mut sql, matching);
                order.order_by(&mut sql, true);
            }
        }
        sql.push(" LIMIT ").int(i64::from(fetch));
        sql.finish()
    }

    /// Every match of `q` ranked in one statement, for `sort=relevance` when
    /// matches are few: each row with its tier (column `tier`), by tier then
    /// newest first, after a cursor naming a tier, from the inverted index.
    pub fn ranked(&self, dialect: Dialect, after: Option<&After>, candidates: &Candidates, fetch: u32) -> Statement {
        let mut sql = Sql::new(dialect);
        sql.searches = true;
        let literal = self.term.as_deref().map(like_literal).unwrap_or_default();
        sql.push("SELECT ").push(COLUMNS).push(", tier FROM (SELECT ").push(COLUMNS);
        sql.push(", CAST(CASE WHEN ").push(PADDED_NAME).push(" LIKE ").text(format!("% {literal} %"));
        sql.push(" ESCAPE '\\' THEN 0 WHEN ").push(PADDED_NAME).push(" LIKE ").text(format!("% {literal}%"));
        sql.push(" ESCAPE '\\' THEN 1 ELSE 2 END AS BIGINT) AS tier FROM products");
        self.filters(&mut sql, Order::IdDescending, None);
        self.candidates(&mut sql, candidates);
        self.matching(&mut sql, Matching::Contains);
        sql.push(") AS ranked");
        if let Some(After { id, key: Some(SortKey::Int(tier)) }) = after {
            sql.push(" WHERE (tier > ").int(*tier).push(" OR (tier = ").int(*tier);
            sql.push(" AND id < ").text(id.clone()).push("))");
        }
        sql.push(" ORDER BY tier, id DESC LIMIT ").int(i64::from(fetch));
        sql.finish()
    }

    /// SQLite: the trigrams of the index that start with `fragment` (for
    /// fragments too short to be a trigram themselves; every character of a
    /// name starts a trigram, see the migration), a range of its vocabulary.
    pub fn trigrams_starting(fragment: &str) -> Statement {
        let mut sql = Sql::new(Dialect::Sqlite);
        sql.searches = true;
        sql.push("SELECT term FROM product_name_trigram_terms WHERE term >= ").text(fragment);
        sql.push(" AND term < ").text(format!("{fragment}{}", char::MAX));
        sql.finish()
    }

    /// ` WHERE NOT archived` and the filters other than `q`, and the cursor.
    fn filters(&self, sql: &mut Sql, order: Order, after: Option<&After>) {
        // `NOT archived` without a bind parameter: PostgreSQL can then prove
        // that the partial indexes (`WHERE NOT archived`) cover the query.
        sql.push(" WHERE NOT archived");
        if let Some(min) = self.min_price {
            sql.push(" AND price_cents >= ").int(min);
        }
        if let Some(max) = self.max_price {
            sql.push(" AND price_cents <= ").int(max);
        }
        match self.in_stock {
            Some(true) => {
                sql.push(" AND stock > 0");
            }
            Some(false) => {
                sql.push(" AND stock = 0");
            }
            None => {}
        }
        if let Some(after) = after {
            order.after(sql, after);
        }
    }

    /// ` AND <in the inverted index's answer>`.
    fn candidates(&self, sql: &mut Sql, candidates: &Candidates) {
        sql.searches = true;
        match candidates {
            Candidates::Like => {}
            Candidates::Gram(gram) => {
                sql.push(" AND products_name_grams").push(PADDED_NAME).push(" @> ARRAY[");
                sql.text(gram.clone()).push("]::text[]");
            }
            Candidates::Fts(query) => {
                sql.push(
                    " AND id IN (SELECT product_id FROM product_search_keys WHERE key IN \
                     (SELECT rowid FROM product_name_trigrams WHERE product_name_trigrams MATCH ",
                );
                sql.text(query.clone()).push("))");
            }
        }
    }

    /// ` AND <the name matches>`.
    fn matching(&self, sql: &mut Sql, matching: Matching) {
        let Some(term) = self.term.as_deref() else { return };
        sql.searches = true;
        let literal = like_literal(term);
        let like = |sql: &mut Sql, negated: bool, pattern: String| {
            sql.push(if negated { " AND NOT " } else { " AND " });
            sql.push(PADDED_NAME).push(" LIKE ").text(pattern).push(" ESCAPE '\\'");
        };
        match matching {
            Matching::Everything => {}
            Matching::Contains => like(sql, false, format!("%{literal}%")),
            Matching::Tier(Relevance::WholeWords) => like(sql, false, format!("% {literal} %")),
            Matching::Tier(Relevance::WordPrefix) => {
                like(sql, false, format!("% {literal}%"));
                like(sql, true, format!("% {literal} %"));
            }
            Matching::Tier(Relevance::Elsewhere) => {
                like(sql, false, format!("%{literal}%"));
                like(sql, true, format!("% {literal}%"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(q: Option<&str>, sort: ProductSort) -> Listing {
        let filter = ProductFilter { q: q.map(str::to_owned), ..Default::default() };
        Listing::new(&filter, sort, PageRequest::default())
    }

    #[test]
    fn placeholders_follow_the_dialect() {
        let l = Listing { min_price: Some(5), ..listing(None, ProductSort::NewestFirst) };
        let pg = l.statement(Dialect::Postgres, Matching::Everything, Order::IdDescending, None, None, 21);
        assert_eq!(
            pg.sql,
            format!(
                "SELECT {COLUMNS} FROM products WHERE NOT archived AND price_cents >= $1 ORDER BY id DESC LIMIT $2"
            )
        );
        assert_eq!(pg.binds, vec![Bind::Int(5), Bind::Int(21)]);
        let lite = l.statement(Dialect::Sqlite, Matching::Everything, Order::IdDescending, None, None, 21);
        assert!(lite.sql.contains("price_cents >= ? ORDER BY id DESC LIMIT ?"), "{}", lite.sql);
    }

    #[test]
    fn only_a_listing_without_q_is_prepared_once() {
        let plain = listing(None, ProductSort::NewestFirst);
        let l = Listing { min_price: Some(5), ..plain };
        assert!(l.statement(Dialect::Postgres, Matching::Everything, Order::IdDescending, None, None, 21).prepare_once);
        let q = listing(Some("ж"), ProductSort::NewestFirst);
        let probe = Route::Probe(Candidates::Gram("ж".into()));
        for (route, matching) in [
            (None, Matching::Contains),
            (Some(&probe), Matching::Contains),
            (Some(&Route::Walk { rows: 4000 }), Matching::Contains),
        ] {
            let s = q.statement(Dialect::Postgres, matching, Order::IdDescending, None, route, 21);
            assert!(!s.prepare_once, "a search is planned for its term: {}", s.sql);
        }
        assert!(!q.ranked(Dialect::Postgres, None, &Candidates::Like, 21).prepare_once);
        assert!(!Listing::trigrams_starting("te").prepare_once);
    }

    #[test]
    fn a_walk_is_bounded_before_it_filters_by_name() {
        let l = listing(Some("Tea%"), ProductSort::PriceAscending);
        let walk = Route::Walk { rows: 4000 };
        let s = l.statement(Dialect::Postgres, Matching::Contains, Order::PriceAscending, None, Some(&walk), 21);
        assert!(
            s.sql.contains(
                "ORDER BY price_cents, id LIMIT $1) AS walked WHERE TRUE AND (' ' || lower(name) || ' ') LIKE $2"
            ),
            "{}",
            s.sql
        );
        assert_eq!(s.binds, vec![Bind::Int(4000), Bind::Text("%tea\\%%".into()), Bind::Int(21)]);
    }

    #[test]
    fn a_probe_orders_by_expressions_no_index_walks() {
        let l = listing(Some("ab"), ProductSort::PriceDescending);
        let probe = Route::Probe(Candidates::Gram("ab".into()));
        let s = l.statement(Dialect::Postgres, Matching::Contains, Order::PriceDescending, None, Some(&probe), 21);
        assert!(s.sql.contains("products_name_grams(' ' || lower(name) || ' ') @> ARRAY[$1]::text[]"), "{}", s.sql);
        assert!(s.sql.ends_with("ORDER BY (price_cents + 0) DESC, (id || '') DESC LIMIT $3"), "{}", s.sql);
        let lite = Route::Probe(Candidates::Fts("\"abc\"".into()));
        let s = l.statement(Dialect::Sqlite, Matching::Contains, Order::PriceDescending, None, Some(&lite), 21);
        assert!(s.sql.ends_with("ORDER BY +price_cents DESC, +id DESC LIMIT ?"), "{}", s.sql);
    }

    #[test]
    fn tiers_are_patterns_over_the_padded_name() {
        let l = listing(Some("Tea"), ProductSort::Relevance);
        let patterns = |tier| {
            let s = l.statement(Dialect::Sqlite, Matching::Tier(tier), Order::IdDescending, None, None, 21);
            s.binds.into_iter().filter_map(|b| if let Bind::Text(t) = b { Some(t) } else { None }).collect::<Vec<_>>()
        };
        assert_eq!(patterns(Relevance::WholeWords), vec!["% tea %"]);
        assert_eq!(patterns(Relevance::WordPrefix), vec!["% tea%", "% tea %"]);
        assert_eq!(patterns(Relevance::Elsewhere), vec!["%tea%", "% tea%"]);
        assert_eq!(l.fragment(Matching::Tier(Relevance::WordPrefix)).as_deref(), Some(" tea"));
    }

    #[test]
    fn a_cursor_bounds_the_walk_by_its_key_then_its_id() {
        let l = listing(None, ProductSort::NameAscending);
        let after = After { id: "01J".into(), key: Some(SortKey::Text("Mug".into())) };
        let s = l.statement(Dialect::Postgres, Matching::Everything, Order::NameAscending, Some(&after), None, 21);
        assert!(s.sql.contains("AND name >= $1 AND (name > $2 OR id > $3) ORDER BY name, id"), "{}", s.sql);
    }
}
