//! Where products are kept.

use async_trait::async_trait;
use zonmart_domain::{Event, Page, PageRequest, PriceCents, Product, ProductId, Version};

use crate::RepoError;

/// Narrows a product listing (archived products are never listed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// Case-insensitive substring of the name (never empty).
    pub q: Option<String>,
    pub min_price: Option<PriceCents>,
    pub max_price: Option<PriceCents>,
    /// `Some(true)`: stock > 0 only; `Some(false)`: stock = 0 only.
    pub in_stock: Option<bool>,
}

/// The orders a product listing can come in; ties are broken by id, so
/// keyset pagination is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    /// `-created_at` (the default).
    #[default]
    NewestFirst,
    /// `created_at`.
    OldestFirst,
    /// `price_cents`.
    PriceAscending,
    /// `-price_cents`.
    PriceDescending,
    /// `name`.
    NameAscending,
    /// `relevance` (the default when `q` is given): names where `q` is
    /// whole words first, then names where `q` starts a word, then the
    /// other matches; newest first within each. A word starts after a
    /// space or at the start of the name.
    Relevance,
}

/// The tiers of [`ProductSort::Relevance`], best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relevance {
    /// `q` is one or more whole words of the name.
    WholeWords = 0,
    /// `q` starts a word of the name (and does not end one).
    WordPrefix = 1,
    /// `q` is elsewhere in the name.
    Elsewhere = 2,
}

impl Relevance {
    pub const ALL: [Relevance; 3] = [Relevance::WholeWords, Relevance::WordPrefix, Relevance::Elsewhere];

    /// The tier a cursor names (its sort key), if any.
    pub fn from_key(key: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|tier| *tier as i64 == key)
    }
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ProductRepository: Send + Sync {
    /// Stores the product and its `event` in one transaction;
    /// `Duplicate { field: "sku" }` when the SKU is taken.
    async fn insert(&self, product: &Product, event: &Event) -> Result<(), RepoError>;

    /// Archived products too, as the primary store has them now: the read
    /// to use before a write (optimistic-lock checks, stock, carts).
    async fn find(&self, id: ProductId) -> Result<Option<Product>, RepoError>;

    /// Archived products too, for showing to a reader. May be slightly stale
    /// (served by a read replica); never use it before a write.
    async fn find_for_display(&self, id: ProductId) -> Result<Option<Product>, RepoError>;

    /// The products with these ids that exist (archived too), in any order.
    async fn find_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, RepoError>;

    /// Live products, sorted, one keyset page. A cursor carries the sort key
    /// of the sort it came from (the caller checks it matches). May be
    /// slightly stale (served by a read replica).
    async fn list(
        &self,
        filter: &ProductFilter,
        sort: ProductSort,
        page: PageRequest,
    ) -> Result<Page<Product>, RepoError>;

    /// Writes `product` (already at its new version) only while the stored
    /// row is at `expected`, in one statement: `VersionConflict` or `NotFound`
    /// otherwise; `Duplicate { field: "sku" }` for a taken SKU. `event` is
    /// written in the same transaction.
    async fn update(&self, product: &Product, expected: Version, event: &Event) -> Result<(), RepoError>;
}
