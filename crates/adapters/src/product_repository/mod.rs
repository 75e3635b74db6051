//! `ProductRepository` on the SQL database, PostgreSQL or SQLite alike.
//!
//! Archiving is an update like any other (`archived = true`): the row stays,
//! so old orders and `find` still see it, but listings never do. Version
//! checks happen inside the one `UPDATE` that writes, never as a
//! read-then-write, so concurrent writers cannot both win. Listings and
//! `find_for_display` may be served by a read replica (`db::replicas` holds
//! that policy); everything else runs on the primary. On Citus a product's
//! SKU is also written to the lookup `product_skus` in its transaction, whose
//! primary key keeps SKUs unique (`db::citus` says why).

mod listing;
#[cfg(feature = "test-support")]
mod plans;
#[cfg(feature = "test-support")]
pub use plans::ExplainedStatement;
mod rows;
mod search;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Event, Page, PageRequest, Product, ProductId, Version};
use zonmart_ports::{ProductFilter, ProductRepository, ProductSort, RepoError};

use self::listing::{Bind, Dialect, Listing, Statement};
use self::rows::{ProductChangeset, ProductRow};
use self::search::{Ask, Search};
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{
    in_write_transaction, with_conn, with_read_conn, Backend, CacheStatement, Database, ReplicaRead, Rollback,
};
use crate::event_store::{insert_event, EventRow};
use crate::schema::products;

/// Claims `sku` for the product `id` in the Citus lookup; a taken SKU is a
/// unique violation of `products_sku_key`, as without Citus.
macro_rules! take_sku {
    ($sku:expr, $id:expr) => {
        diesel::sql_query("INSERT INTO product_skus (sku, product_id) VALUES ($1, $2)")
            .bind::<diesel::sql_types::Text, _>($sku)
            .bind::<diesel::sql_types::Text, _>($id)
    };
}

/// A product row with its tier of relevance.
#[derive(QueryableByName)]
struct RankedRow {
    // Not named `row`: the derive's own code uses that name.
    #[diesel(embed)]
    product: ProductRow,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    tier: i64,
}

/// A term of the SQLite search index's vocabulary.
#[derive(QueryableByName)]
struct Term {
    #[diesel(sql_type = diesel::sql_types::Text)]
    term: String,
}

/// `statement` as a diesel query for `conn`'s backend, its values bound.
fn bound<C>(
    _conn: &C,
    statement: &Statement,
) -> diesel::query_builder::BoxedSqlQuery<'static, C::Backend, diesel::query_builder::SqlQuery>
where
    C: diesel_async::AsyncConnection,
    C::Backend: diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, C::Backend>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, C::Backend>,
{
    let mut query = diesel::sql_query(statement.sql.clone()).into_boxed();
    for value in &statement.binds {
        query = match value {
            Bind::Text(text) => query.bind::<diesel::sql_types::Text, _>(text.clone()),
            Bind::Int(n) => query.bind::<diesel::sql_types::BigInt, _>(*n),
        };
    }
    query
}

/// Runs a [`Search`] to its end on `$conn`, inside `with_conn!`: each
/// statement it asks for, its answer handed back. The optional block runs
/// first for each statement (named by `$statement`), e.g. to explain it.
macro_rules! run_search {
    ($conn:ident, $search:ident) => {
        run_search!($conn, $search, |_statement| {})
    };
    ($conn:ident, $search:ident, |$statement:ident| $before:block) => {{
        while let Some(ask) = $search.next() {
            {
                let $statement = ask.statement();
                $before
            }
            match ask {
                // A listing without `q` is prepared once per connection
                // (its text depends on its shape only, the values are bound),
                // which saves a planning and a round trip per request; a
                // search is planned for its term every time (see
                // `Statement::prepare_once`).
                Ask::Rows(statement) if statement.prepare_once => {
                    let rows =
                        crate::db::CacheStatement::cached(bound(&*$conn, &statement)).load::<ProductRow>($conn).await?;
                    $search.take_rows(rows);
                }
                Ask::Rows(statement) => {
                    let rows = bound(&*$conn, &statement).load::<ProductRow>($conn).await?;
                    $search.take_rows(rows);
                }
                Ask::Ranked(statement) => {
                    let rows = bound(&*$conn, &statement).load::<RankedRow>($conn).await?;
                    $search.take_ranked(rows.into_iter().map(|r| (r.tier, r.product)).collect());
                }
                Ask::Terms(statement) => {
                    let terms = bound(&*$conn, &statement).load::<Term>($conn).await?;
                    $search.take_terms(terms.into_iter().map(|t| t.term).collect());
                }
            }
        }
        Ok($search)
    }};
}
#[cfg(feature = "test-support")]
use run_search;

fn dialect(db: &Database) -> Dialect {
    match db.backend() {
        Backend::Postgres { .. } => Dialect::Postgres,
        Backend::Sqlite(_) => Dialect::Sqlite,
    }
}

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
        let sharded = self.db.is_sharded();
        let inserted = in_write_transaction!(self.db, |conn| {
            diesel::insert_into(products::table).values(&row).cached().execute(conn).await?;
            if let (true, Some(sku)) = (sharded, &row.sku) {
                take_sku!(sku, &row.id).execute(conn).await?;
            }
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
        let search = self
            .db
            .read_routed(ReplicaRead::ProductListing, |db| {
                let mut search = Search::new(listing.clone(), dialect(&db));
                async move { with_conn!(db, |conn| { run_search!(conn, search) }) }
            })
            .await?;
        search.page()
    }

    async fn update(&self, product: &Product, expected: Version, event: &Event) -> Result<(), RepoError> {
        let id = product.id.to_string();
        let changes = ProductChangeset::from_product(product);
        let event = EventRow::from_event(event);
        let expected = expected.get();
        let sharded = self.db.is_sharded();
        let written = in_write_transaction!(self.db, |conn| {
            // The SKU it had, to move its lookup row if it changes.
            let before = if sharded {
                products::table
                    .find(&id)
                    .select(products::sku)
                    .first::<Option<String>>(conn)
                    .await
                    .optional()?
                    .flatten()
            } else {
                None
            };
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
            if sharded && before != changes.sku {
                if let Some(old) = &before {
                    diesel::sql_query("DELETE FROM product_skus WHERE sku = $1")
                        .bind::<diesel::sql_types::Text, _>(old)
                        .execute(conn)
                        .await?;
                }
                if let Some(new) = &changes.sku {
                    take_sku!(new, &id).execute(conn).await?;
                }
            }
            insert_event!(&event).execute(conn).await?;
            Ok(())
        })?;
        version_checked(written)
    }
}
