//! `ProductRepository` on the SQL database, PostgreSQL or SQLite alike.
//!
//! Archiving is an update like any other (`archived = true`): the row stays,
//! so old orders and `find` still see it, but listings never do. Version
//! checks happen inside the one `UPDATE` that writes, never as a
//! read-then-write, so concurrent writers cannot both win. Listings and
//! `find_for_display` may be served by a read replica (`db::replicas` holds
//! that policy); everything else runs on the primary.

mod listing;
#[cfg(feature = "test-support")]
mod plans;
mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Event, Page, PageRequest, Product, ProductId, Version};
use zonmart_ports::{ProductFilter, ProductRepository, ProductSort, RepoError};

use self::listing::{listing_query, Listing};
use self::rows::{ProductChangeset, ProductRow};
use crate::db::versioned::{settle, Unwritten};
use crate::db::{in_write_transaction, with_conn, with_read_conn, CacheStatement, Database, ReplicaRead, Rollback};
use crate::event_store::{insert_event, EventRow};
use crate::schema::products;

/// Stores products in the `products` table.
#[derive(Debug, Clone)]
pub struct SqlProductRepository {
    db: Database,
}

impl SqlProductRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ProductRepository for SqlProductRepository {
    async fn insert(&self, product: &Product, event: &Event) -> Result<(), RepoError> {
        let row = ProductRow::from_product(product);
        let event = EventRow::from_event(event);
        let inserted = in_write_transaction!(self.db, |conn| {
            diesel::insert_into(products::table).values(&row).cached().execute(conn).await?;
            insert_event!(&event).execute(conn).await?;
            Ok::<_, Rollback<std::convert::Infallible>>(())
        })?;
        inserted.map_err(|never| match never {})
    }

    async fn find(&self, id: ProductId) -> Result<Option<Product>, RepoError> {
        let id = id.to_string();
        let row = with_read_conn!(self.db, |conn| {
            products::table.find(&id).select(ProductRow::as_select()).first(conn).await.optional()
        })?;
        row.map(Product::try_from).transpose()
    }

    async fn find_for_display(&self, id: ProductId) -> Result<Option<Product>, RepoError> {
        let row = self
            .db
            .read_routed(ReplicaRead::ProductForDisplay, |db| {
                let id = id.to_string();
                async move {
                    with_read_conn!(db, |conn| {
                        products::table.find(&id).select(ProductRow::as_select()).first(conn).await.optional()
                    })
                }
            })
            .await?;
        match row {
            Some(row) => Product::try_from(row).map(Some),
            // A replica may not have a product created a moment ago: only the
            // primary may say it does not exist.
            None => self.find(id).await,
        }
    }

    async fn find_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(ProductId::to_string).collect();
        let rows = with_conn!(self.db, |conn| {
            products::table.filter(products::id.eq_any(&ids)).select(ProductRow::as_select()).load(conn).await
        })?;
        rows.into_iter().map(Product::try_from).collect()
    }

    async fn list(
        &self,
        filter: &ProductFilter,
        sort: ProductSort,
        page: PageRequest,
    ) -> Result<Page<Product>, RepoError> {
        let listing = Listing::new(filter, sort, page);
        let rows = self
            .db
            .read_routed(ReplicaRead::ProductListing, |db| {
                let asked = listing.clone();
                async move {
                    with_conn!(db, |conn| { listing_query!(&asked).select(ProductRow::as_select()).load(conn).await })
                }
            })
            .await?;
        let products = rows.into_iter().map(Product::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(listing.page(products))
    }

    async fn update(&self, product: &Product, expected: Version, event: &Event) -> Result<(), RepoError> {
        let id = product.id.to_string();
        let changes = ProductChangeset::from_product(product);
        let event = EventRow::from_event(event);
        let expected = expected.get();
        let written = in_write_transaction!(self.db, |conn| {
            let written = diesel::update(products::table.find(&id).filter(products::version.eq(expected)))
                .set(&changes)
                .cached()
                .execute(conn)
                .await?;
            if written == 0 {
                // Nothing written: tell a missing product from a stale version.
                let current =
                    products::table.find(&id).select(products::version).first::<i64>(conn).await.optional()?;
                return Err(Rollback::Refused(Unwritten::from_current(current)));
            }
            insert_event!(&event).execute(conn).await?;
            Ok(())
        })?;
        settle(written)
    }
}
