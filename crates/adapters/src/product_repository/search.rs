//! Which statements a listing runs, so that none of them costs more than a
//! bounded amount, whatever `q` is (README, "Search").
//!
//! A listing without `q` is one walk of its order's index. With `q`, a
//! plan that walks the order's index filtering names is fast when matches
//! are frequent and reads the whole table when they are rare; a plan that
//! fetches the matches from an inverted index and sorts them is fast when
//! they are rare and sorts hundreds of thousands when they are frequent.
//! PostgreSQL picks one from estimates and is sometimes wrong by a factor
//! of 40. So the choice is not left to it:
//!
//! 1. **Walk**: the first [`WALK_ROWS`] rows of the order's index (after the
//!    other filters and the cursor), keeping those whose name matches. If
//!    that gives a whole page, it is the right page: those rows come first
//!    in the order, and any later match comes after them.
//! 2. **Probe**: otherwise matches are rarer than one in `WALK_ROWS / page`
//!    (as far as the walk saw), so they are few: take all of them from the
//!    inverted index and sort them, with an `ORDER BY` no ordered index can
//!    serve, so the planner cannot fall back to a walk of the whole table.
//!
//! `sort=relevance` is three such listings, one per tier of
//! [`Relevance`], each newest first, taken in turn until the page is full.
//!
//! This type only decides; [`super::SqlProductRepository`] runs what it
//! asks for ([`Search::next`]) and hands back the answers.

use std::collections::VecDeque;

use zonmart_domain::{Cursor, Page, Product, SortKey};
use zonmart_ports::{ProductSort, Relevance, RepoError};

use super::listing::{After, Candidates, Dialect, Listing, Matching, Order, Route, Statement};
use super::rows::ProductRow;

/// How many rows a walk reads at most: the walk's cost against the probe's
/// (a term the walk found fewer than 21 times in 2,000 rows has about
/// 10,000 matches per million products at most, if spread evenly). Each
/// costs some milliseconds at a million products.
pub(crate) const WALK_ROWS: u32 = 2000;

/// What to run next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ask {
    /// Product rows, for [`Search::take_rows`].
    Rows(Statement),
    /// Product rows each with its tier (column `tier`), for [`Search::take_ranked`].
    Ranked(Statement),
    /// SQLite: index terms (one text column `term`), for [`Search::take_terms`].
    Terms(Statement),
}

impl Ask {
    pub fn statement(&self) -> &Statement {
        match self {
            Ask::Rows(statement) | Ask::Ranked(statement) | Ask::Terms(statement) => statement,
        }
    }
}

/// One part of a listing: one tier of relevance, or all of it.
#[derive(Debug, Clone)]
struct Part {
    matching: Matching,
    order: Order,
    after: Option<After>,
    tier: Option<Relevance>,
    stage: Stage,
    role: Role,
}

/// What a part is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Its rows belong on the page.
    Page,
    /// Relevance: a walk for any match, only to see whether matches are
    /// frequent. When they are not, one ranked probe answers all tiers.
    Scout,
    /// Relevance: every tier at once, ranked by the statement.
    Ranked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// No `q`: the order's index alone.
    Plain,
    Walk,
    /// SQLite, a fragment shorter than a trigram: the trigrams it starts
    /// are being looked up.
    Terms,
    Probe(Candidates),
}

/// The statements of one listing, asked for one at a time.
#[derive(Debug)]
pub(crate) struct Search {
    listing: Listing,
    dialect: Dialect,
    fetch: usize,
    parts: VecDeque<Part>,
    found: Vec<(Option<Relevance>, ProductRow)>,
    /// What the last [`Ask`] was for.
    asked: Option<Part>,
}

impl Search {
    pub fn new(listing: Listing, dialect: Dialect) -> Self {
        let order = Order::of(listing.sort);
        let after = listing.after.as_ref().map(|c| After { id: c.id().to_string(), key: c.key().cloned() });
        let mut parts = VecDeque::new();
        let part = |matching, after, tier, stage, role| Part { matching, order, after, tier, stage, role };
        match (&listing.term, listing.sort) {
            (None, _) => parts.push_back(part(Matching::Everything, after, None, Stage::Plain, Role::Page)),
            (Some(_), ProductSort::Relevance) => {
                parts.push_back(part(Matching::Contains, None, None, Stage::Walk, Role::Scout));
                // The cursor names the tier it stopped in: earlier tiers are
                // done, later ones start from their top.
                let from = after.as_ref().and_then(|a| match a.key {
                    Some(SortKey::Int(key)) => Relevance::from_key(key),
                    _ => None,
                });
                for tier in Relevance::ALL.into_iter().filter(|tier| from.is_none_or(|from| *tier >= from)) {
                    let after =
                        after.as_ref().filter(|_| Some(tier) == from).map(|a| After { id: a.id.clone(), key: None });
                    parts.push_back(part(Matching::Tier(tier), after, Some(tier), Stage::Walk, Role::Page));
                }
                // Kept for the ranked probe, should the scout find matches rare.
                parts.push_back(part(Matching::Contains, after, None, Stage::Plain, Role::Ranked));
            }
            (Some(_), _) => parts.push_back(part(Matching::Contains, after, None, Stage::Walk, Role::Page)),
        }
        let fetch = listing.limit.get() as usize + 1;
        Self { listing, dialect, fetch, parts, found: Vec::new(), asked: None }
    }

    /// The next statement to run, or `None` when the page is complete.
    pub fn next(&mut self) -> Option<Ask> {
        if self.found.len() >= self.fetch {
            return None;
        }
        let wanted = (self.fetch - self.found.len()) as u32;
        let part = self.parts.pop_front()?;
        if part.role == Role::Ranked && part.stage == Stage::Plain {
            return None; // the tiers, one by one, filled the page or ran out
        }
        let ask = match &part.stage {
            Stage::Probe(candidates) if part.role == Role::Ranked => {
                Ask::Ranked(self.listing.ranked(self.dialect, part.after.as_ref(), candidates, wanted))
            }
            Stage::Plain => Ask::Rows(self.statement(&part, None, wanted)),
            Stage::Walk => Ask::Rows(self.statement(&part, Some(&Route::Walk { rows: WALK_ROWS }), wanted)),
            Stage::Terms => {
                let fragment = self.listing.fragment(part.matching).unwrap_or_default();
                Ask::Terms(Listing::trigrams_starting(&fragment))
            }
            Stage::Probe(candidates) => {
                Ask::Rows(self.statement(&part, Some(&Route::Probe(candidates.clone())), wanted))
            }
        };
        self.asked = Some(part);
        Some(ask)
    }

    /// The answer to the last [`Ask::Rows`].
    pub fn take_rows(&mut self, rows: Vec<ProductRow>) {
        let Some(mut part) = self.asked.take() else { return };
        let wanted = self.fetch - self.found.len();
        match (part.role, &part.stage) {
            (Role::Scout, _) if rows.len() < wanted => {
                // Matches are rare: rank them all in one probe instead of
                // walking and probing tier by tier.
                self.parts.retain(|p| p.role == Role::Ranked);
                if let Some(mut ranked) = self.parts.pop_front() {
                    ranked.stage = self.probe_stage(&ranked);
                    self.parts.push_front(ranked);
                }
            }
            (Role::Scout, _) => {} // frequent: the tiers, one by one
            (_, Stage::Walk) if rows.len() < wanted => {
                // Too few in the walk's window: the probe finds them all (these too).
                part.stage = self.probe_stage(&part);
                self.parts.push_front(part);
            }
            _ => self.found.extend(rows.into_iter().map(|row| (part.tier, row))),
        }
    }

    /// The answer to the last [`Ask::Ranked`]: rows with their tier.
    pub fn take_ranked(&mut self, rows: Vec<(i64, ProductRow)>) {
        self.asked = None;
        self.found.extend(rows.into_iter().map(|(tier, row)| (Relevance::from_key(tier), row)));
    }

    /// The answer to the last [`Ask::Terms`]: the index's trigrams that
    /// start with the fragment.
    pub fn take_terms(&mut self, terms: Vec<String>) {
        let Some(mut part) = self.asked.take() else { return };
        if terms.is_empty() {
            return; // No name holds the fragment: this part has no rows.
        }
        let query = terms.iter().map(|t| fts_phrase(t)).collect::<Vec<_>>().join(" OR ");
        part.stage = Stage::Probe(Candidates::Fts(query));
        self.parts.push_front(part);
    }

    /// The page found: its cursor carries the sort key of its last product
    /// (for relevance, its tier).
    pub fn page(self) -> Result<Page<Product>, RepoError> {
        let sort = self.listing.sort;
        let products = self
            .found
            .into_iter()
            .map(|(tier, row)| Product::try_from(row).map(|product| (tier, product)))
            .collect::<Result<Vec<_>, _>>()?;
        let page = Page::from_rows_keyed(products, self.listing.limit, |(tier, product)| {
            let id = product.id.ulid();
            match (sort, tier) {
                (ProductSort::Relevance, Some(tier)) => Cursor::after_keyed(SortKey::Int(*tier as i64), id),
                (ProductSort::PriceAscending | ProductSort::PriceDescending, _) => {
                    Cursor::after_keyed(SortKey::Int(product.price.get()), id)
                }
                (ProductSort::NameAscending, _) => {
                    Cursor::after_keyed(SortKey::Text(product.name.as_str().to_owned()), id)
                }
                _ => Cursor::after(id),
            }
        });
        Ok(page.map(|(_, product)| product))
    }

    fn statement(&self, part: &Part, route: Option<&Route>, fetch: u32) -> Statement {
        self.listing.statement(self.dialect, part.matching, part.order, part.after.as_ref(), route, fetch)
    }

    /// How a part's matches come out of the inverted index.
    fn probe_stage(&self, part: &Part) -> Stage {
        let fragment = self.listing.fragment(part.matching).unwrap_or_default();
        let trigram = fragment.chars().count() >= 3;
        match (self.dialect, trigram) {
            (Dialect::Postgres, true) => Stage::Probe(Candidates::Like),
            (Dialect::Postgres, false) => Stage::Probe(Candidates::Gram(fragment)),
            (Dialect::Sqlite, true) => Stage::Probe(Candidates::Fts(fts_phrase(&fragment))),
            (Dialect::Sqlite, false) => Stage::Terms,
        }
    }
}

/// `text` as an FTS5 string: one phrase, taken literally.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use zonmart_domain::{Limit, PageRequest};
    use zonmart_ports::ProductFilter;

    use super::*;

    fn search(q: &str, sort: ProductSort, dialect: Dialect) -> Search {
        let filter = ProductFilter { q: Some(q.into()), ..Default::default() };
        let page = PageRequest { limit: Limit::new(2).unwrap(), after: None };
        Search::new(Listing::new(&filter, sort, page), dialect)
    }

    fn rows(n: usize) -> Vec<ProductRow> {
        (0..n)
            .map(|i| ProductRow {
                id: ulid::Ulid::from_parts(i as u64 + 1, 0).to_string(),
                name: format!("Teapot {i}"),
                description: None,
                price_cents: 100,
                currency: "USD".into(),
                stock: 1,
                sku: None,
                archived: false,
                version: 1,
                created_at: NaiveDateTime::default(),
                updated_at: NaiveDateTime::default(),
            })
            .collect()
    }

    fn sql(ask: Option<Ask>) -> String {
        match ask {
            Some(Ask::Rows(s)) | Some(Ask::Ranked(s)) | Some(Ask::Terms(s)) => s.sql,
            None => "nothing".into(),
        }
    }

    #[test]
    fn a_walk_that_fills_the_page_is_the_answer() {
        let mut s = search("teapot", ProductSort::NewestFirst, Dialect::Postgres);
        assert!(sql(s.next()).contains("AS walked"));
        s.take_rows(rows(3));
        assert_eq!(s.next(), None);
        let page = s.page().unwrap();
        assert_eq!(page.items.len(), 2);
        assert!(page.next.is_some());
    }

    #[test]
    fn a_walk_that_falls_short_is_followed_by_a_probe_whose_rows_are_the_answer() {
        let mut s = search("teapot", ProductSort::NewestFirst, Dialect::Postgres);
        s.next();
        s.take_rows(rows(1));
        let probe = sql(s.next());
        assert!(!probe.contains("walked") && probe.contains("ORDER BY (id || '') DESC"), "{probe}");
        s.take_rows(rows(1));
        assert_eq!(s.next(), None);
        assert_eq!(s.page().unwrap().items.len(), 1);
    }

    #[test]
    fn short_terms_are_probed_by_their_grams_or_their_trigrams_terms() {
        let mut pg = search("t", ProductSort::NewestFirst, Dialect::Postgres);
        pg.next();
        pg.take_rows(vec![]);
        assert!(sql(pg.next()).contains("products_name_grams"));

        let mut lite = search("t", ProductSort::NewestFirst, Dialect::Sqlite);
        lite.next();
        lite.take_rows(vec![]);
        assert!(matches!(lite.next(), Some(Ask::Terms(_))));
        lite.take_terms(vec!["te\"a".into(), " te".into()]);
        let Some(Ask::Rows(probe)) = lite.next() else { panic!("no probe") };
        assert!(probe.binds.contains(&super::super::listing::Bind::Text("\"te\"\"a\" OR \" te\"".into())));
    }

    #[test]
    fn relevance_takes_the_tiers_in_turn_and_keys_the_cursor_by_tier() {
        let mut s = search("teapot", ProductSort::Relevance, Dialect::Postgres);
        assert!(sql(s.next()).contains("AS walked"), "a scout walk first");
        s.take_rows(rows(3)); // matches are frequent
        assert!(sql(s.next()).contains("AS walked"));
        s.take_rows(rows(3)); // whole words fill the page
        assert_eq!(s.next(), None);
        let page = s.page().unwrap();
        assert_eq!(page.next.unwrap().key(), Some(&SortKey::Int(0)));

        let mut s = search("tea", ProductSort::Relevance, Dialect::Postgres);
        s.next();
        s.take_rows(rows(3)); // frequent
        s.next();
        s.take_rows(vec![]); // no whole word in the walk
        s.next();
        s.take_rows(vec![]); // nor in the probe
        s.next();
        s.take_rows(rows(3)); // word prefixes fill it
        assert_eq!(s.next(), None);
        assert_eq!(s.page().unwrap().next.unwrap().key(), Some(&SortKey::Int(1)));
    }

    #[test]
    fn rare_matches_are_ranked_by_one_probe() {
        let mut s = search("teapot 9", ProductSort::Relevance, Dialect::Postgres);
        s.next();
        s.take_rows(rows(1)); // the scout finds matches rare
        let Some(Ask::Ranked(ranked)) = s.next() else { panic!("no ranked probe") };
        assert!(ranked.sql.contains("ORDER BY tier, id DESC"), "{}", ranked.sql);
        s.take_ranked(rows(1).into_iter().map(|row| (2, row)).collect());
        assert_eq!(s.next(), None);
        assert_eq!(s.page().unwrap().items.len(), 1);
    }

    #[test]
    fn a_relevance_cursor_resumes_in_its_tier() {
        let filter = ProductFilter { q: Some("tea".into()), ..Default::default() };
        let after = Cursor::after_keyed(SortKey::Int(1), ulid::Ulid::from_parts(9, 0));
        let page = PageRequest { limit: Limit::new(2).unwrap(), after: Some(after) };
        let mut s = Search::new(Listing::new(&filter, ProductSort::Relevance, page), Dialect::Postgres);
        s.next();
        s.take_rows(rows(3)); // the scout: frequent
        let first = sql(s.next());
        assert!(first.contains("id < $"), "the word-prefix tier after the cursor: {first}");
        s.take_rows(rows(0));
        s.next();
        s.take_rows(rows(0));
        let last = sql(s.next());
        assert!(!last.contains("id < $"), "the last tier from its top: {last}");
    }
}
