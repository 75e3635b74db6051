//! Catalog use cases: anyone reads, admins write; deleting archives.

use std::sync::Arc;

use zonmart_domain::{
    Actor, EventType, NewProduct, Page, PageRequest, Product, ProductChanges, ProductId, SortKey, Version,
};
use zonmart_ports::{Clock, IdGenerator, ProductFilter, ProductRepository, ProductSort, Relevance};

use crate::access::require_catalog_admin;
use crate::{AppError, EventComposer};

#[cfg(test)]
mod tests;

#[derive(Clone)]
pub struct ProductService {
    products: Arc<dyn ProductRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    events: EventComposer,
}

/// Whether a cursor was handed out for this sort order.
fn cursor_fits(sort: ProductSort, key: Option<&SortKey>) -> bool {
    match sort {
        ProductSort::NewestFirst | ProductSort::OldestFirst => key.is_none(),
        ProductSort::PriceAscending | ProductSort::PriceDescending => matches!(key, Some(SortKey::Int(_))),
        ProductSort::NameAscending => matches!(key, Some(SortKey::Text(_))),
        ProductSort::Relevance => matches!(key, Some(SortKey::Int(tier)) if Relevance::from_key(*tier).is_some()),
    }
}

/// The order asked for, or the default: by relevance when there is a `q`
/// to be relevant to, newest first otherwise (also for `relevance` without
/// `q`, where every product is equally relevant).
fn sort_for(filter: &ProductFilter, asked: Option<ProductSort>) -> ProductSort {
    match (asked, filter.q.is_some()) {
        (None, true) => ProductSort::Relevance,
        (None | Some(ProductSort::Relevance), false) => ProductSort::NewestFirst,
        (Some(sort), _) => sort,
    }
}

impl ProductService {
    pub fn new(
        products: Arc<dyn ProductRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        events: EventComposer,
    ) -> Self {
        Self { products, clock, ids, events }
    }

    pub async fn create(&self, actor: &Actor, new_product: NewProduct) -> Result<Product, AppError> {
        require_catalog_admin(actor, "create products")?;
        let now = self.clock.now();
        let product = new_product.into_product(ProductId::from_ulid(self.ids.generate()), now);
        let event = self.events.product(EventType::ProductCreated, &product, now);
        self.products.insert(&product, &event).await?;
        tracing::info!(product_id = %product.id, by = %actor.user_id, "product created");
        Ok(product)
    }

    /// Public; archived products too (old orders link to them). May be
    /// slightly stale: for showing, never as the basis of a write.
    pub async fn get(&self, id: ProductId) -> Result<Product, AppError> {
        self.products.find_for_display(id).await?.ok_or(AppError::NotFound)
    }

    /// The product as the primary store has it now, for a version check.
    async fn current(&self, id: ProductId) -> Result<Product, AppError> {
        self.products.find(id).await?.ok_or(AppError::NotFound)
    }

    /// Public listing of live products, in the order asked for (see
    /// [`sort_for`] for the default).
    pub async fn list(
        &self,
        filter: &ProductFilter,
        sort: Option<ProductSort>,
        page: PageRequest,
    ) -> Result<Page<Product>, AppError> {
        let sort = sort_for(filter, sort);
        if let Some(cursor) = &page.after {
            if !cursor_fits(sort, cursor.key()) {
                return Err(AppError::validation("cursor", "belongs to another sort order; start again without it"));
            }
        }
        if let (Some(min), Some(max)) = (filter.min_price, filter.max_price) {
            if min > max {
                return Err(AppError::validation("min_price_cents", "must not exceed max_price_cents"));
            }
        }
        Ok(self.products.list(filter, sort, page).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: ProductId,
        expected: Version,
        changes: ProductChanges,
    ) -> Result<Product, AppError> {
        require_catalog_admin(actor, "change products")?;
        let current = self.current(id).await?;
        Version::check(expected, current.version)?;
        let now = self.clock.now();
        let updated = current.apply(changes, now);
        let event = self.events.product(EventType::ProductUpdated, &updated, now);
        self.products.update(&updated, expected, &event).await?;
        Ok(updated)
    }

    /// Archives: the product leaves listings and cannot be ordered, but stays
    /// readable. Archiving an archived product changes nothing.
    pub async fn archive(&self, actor: &Actor, id: ProductId, expected: Version) -> Result<(), AppError> {
        require_catalog_admin(actor, "archive products")?;
        let current = self.current(id).await?;
        Version::check(expected, current.version)?;
        if current.archived {
            return Ok(());
        }
        let now = self.clock.now();
        let archived = current.archive(now);
        let event = self.events.product(EventType::ProductArchived, &archived, now);
        self.products.update(&archived, expected, &event).await?;
        tracing::info!(product_id = %id, by = %actor.user_id, "product archived");
        Ok(())
    }
}
