//! Product listings: filters, sort orders and keyset pages, as one query
//! built for either backend.
//!
//! Each sort has a partial index over live products ending in the id
//! (`migrations/*/..._create_products`), and each page starts where the last
//! one ended (`(key, id) > (cursor key, cursor id)`), never at an OFFSET.

use zonmart_domain::{Cursor, Limit, Page, PageRequest, Product, SortKey};
use zonmart_ports::{ProductFilter, ProductSort};

use crate::db::like::contains_pattern;

/// One listing asked for, with owned values, ready to become a query.
#[derive(Debug, Clone)]
pub(super) struct Listing {
    pub pattern: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    pub sort: ProductSort,
    pub after: Option<Cursor>,
    pub limit: Limit,
}

impl Listing {
    pub fn new(filter: &ProductFilter, sort: ProductSort, page: PageRequest) -> Self {
        Self {
            pattern: filter.q.as_deref().map(contains_pattern),
            min_price: filter.min_price.map(|p| p.get()),
            max_price: filter.max_price.map(|p| p.get()),
            in_stock: filter.in_stock,
            sort,
            after: page.after,
            limit: page.limit,
        }
    }

    /// The page of `rows` (as fetched by [`Listing::query`]), its cursor
    /// carrying the sort key of its last product.
    pub fn page(&self, rows: Vec<Product>) -> Page<Product> {
        let sort = self.sort;
        Page::from_rows_keyed(rows, self.limit, |product| {
            let id = product.id.ulid();
            match sort {
                ProductSort::NewestFirst | ProductSort::OldestFirst => Cursor::after(id),
                ProductSort::PriceAscending | ProductSort::PriceDescending => {
                    Cursor::after_keyed(SortKey::Int(product.price.get()), id)
                }
                ProductSort::NameAscending => Cursor::after_keyed(SortKey::Text(product.name.as_str().to_owned()), id),
            }
        })
    }
}

/// The query for a [`Listing`]: live products, filtered, sorted, after the
/// cursor, one row more than a page (the extra one tells there is more).
///
/// A macro, used inside `with_conn!`, so the one text is type-checked for
/// each backend: a function generic over the backend would need bounds on
/// diesel's internal clause types.
macro_rules! listing_query {
    ($listing:expr) => {{
        use ::diesel::prelude::*;
        use ::zonmart_domain::SortKey;
        use ::zonmart_ports::ProductSort;
        use $crate::schema::products;

        let listing: &$crate::product_repository::listing::Listing = $listing;
        let fetch = i64::from(listing.limit.get()) + 1;
        // `NOT archived` without a bind parameter: PostgreSQL can then prove
        // that the partial indexes (`WHERE NOT archived`) cover the query.
        let mut query = products::table.filter(::diesel::dsl::not(products::archived)).limit(fetch).into_boxed();
        if let Some(pattern) = &listing.pattern {
            query = query.filter($crate::db::like::lower(products::name).like(pattern.clone()).escape('\\'));
        }
        if let Some(min) = listing.min_price {
            query = query.filter(products::price_cents.ge(min));
        }
        if let Some(max) = listing.max_price {
            query = query.filter(products::price_cents.le(max));
        }
        match listing.in_stock {
            Some(true) => query = query.filter(products::stock.gt(0_i64)),
            Some(false) => query = query.filter(products::stock.eq(0_i64)),
            None => {}
        }
        // A cursor without the sort's key (the caller checks kinds) pages by id alone.
        let after = listing.after.as_ref().map(|cursor| (cursor.id().to_string(), cursor.key()));
        match listing.sort {
            ProductSort::NewestFirst => {
                query = query.order(products::id.desc());
                if let Some((id, _)) = after {
                    query = query.filter(products::id.lt(id));
                }
            }
            ProductSort::OldestFirst => {
                query = query.order(products::id.asc());
                if let Some((id, _)) = after {
                    query = query.filter(products::id.gt(id));
                }
            }
            ProductSort::PriceAscending => {
                query = query.order((products::price_cents.asc(), products::id.asc()));
                // The redundant `>=` bounds the index scan; the `OR` alone would not.
                query = match after {
                    Some((id, Some(SortKey::Int(price)))) => query
                        .filter(products::price_cents.ge(*price))
                        .filter(products::price_cents.gt(*price).or(products::id.gt(id))),
                    Some((id, _)) => query.filter(products::id.gt(id)),
                    None => query,
                };
            }
            ProductSort::PriceDescending => {
                query = query.order((products::price_cents.desc(), products::id.desc()));
                query = match after {
                    Some((id, Some(SortKey::Int(price)))) => query
                        .filter(products::price_cents.le(*price))
                        .filter(products::price_cents.lt(*price).or(products::id.lt(id))),
                    Some((id, _)) => query.filter(products::id.lt(id)),
                    None => query,
                };
            }
            ProductSort::NameAscending => {
                query = query.order((products::name.asc(), products::id.asc()));
                query = match after {
                    Some((id, Some(SortKey::Text(name)))) => query
                        .filter(products::name.ge(name.clone()))
                        .filter(products::name.gt(name.clone()).or(products::id.gt(id))),
                    Some((id, _)) => query.filter(products::id.gt(id)),
                    None => query,
                };
            }
        }
        query
    }};
}
pub(super) use listing_query;
