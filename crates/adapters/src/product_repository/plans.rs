//! The plans the database makes for product listings (feature
//! `test-support`), so tests can show that an index serves every listing.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::Sqlite;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use zonmart_domain::PageRequest;
use zonmart_ports::{ProductFilter, ProductSort, RepoError};

use super::listing::{listing_query, Listing};
use super::rows::ProductRow;
use super::SqlProductRepository;
use crate::db::errors::{from_diesel, from_pool};
use crate::db::{run_detached, Backend};

/// PostgreSQL's `EXPLAIN` of a query: one text column, a row per plan line.
#[derive(QueryId)]
struct Explain<Q>(Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for Explain<Q> {
    type SqlType = Text;
}

/// SQLite's `EXPLAIN QUERY PLAN` of a query: rows of (id, parent, unused,
/// detail).
#[derive(QueryId)]
struct ExplainQueryPlan<Q>(Q);

impl<Q: QueryFragment<Sqlite>> QueryFragment<Sqlite> for ExplainQueryPlan<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("EXPLAIN QUERY PLAN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for ExplainQueryPlan<Q> {
    type SqlType = (Integer, Integer, Integer, Text);
}

impl SqlProductRepository {
    /// The plan of the very query `list` runs for these arguments, a line
    /// per plan row: PostgreSQL's `EXPLAIN`, SQLite's `EXPLAIN QUERY PLAN`.
    /// The table is first brought to the state autovacuum keeps a live
    /// database in: statistics refreshed, and on PostgreSQL the trigram
    /// index's pending list merged (rows inserted since the index was built
    /// wait there, and the planner then prices that index far too high).
    pub async fn explain_list(
        &self,
        filter: &ProductFilter,
        sort: ProductSort,
        page: PageRequest,
    ) -> Result<Vec<String>, RepoError> {
        let listing = Listing::new(filter, sort, page);
        // Two arms, not `with_conn!`: the two EXPLAINs answer in different shapes.
        match self.db.backend() {
            Backend::Postgres { pool, .. } => {
                let pool = pool.clone();
                run_detached(async move {
                    let mut conn = pool.get().await.map_err(from_pool)?;
                    let explained = async {
                        conn.batch_execute("VACUUM (ANALYZE) products").await?;
                        let query = listing_query!(&listing).select(ProductRow::as_select());
                        Explain(query).load::<String>(&mut *conn).await
                    };
                    explained.await.map_err(from_diesel)
                })
                .await
            }
            Backend::Sqlite(pool) => {
                let pool = pool.clone();
                run_detached(async move {
                    let mut conn = pool.get().await.map_err(from_pool)?;
                    let explained = async {
                        conn.batch_execute("ANALYZE products").await?;
                        let query = listing_query!(&listing).select(ProductRow::as_select());
                        ExplainQueryPlan(query).load::<(i32, i32, i32, String)>(&mut *conn).await
                    };
                    let rows = explained.await.map_err(from_diesel)?;
                    Ok(rows.into_iter().map(|(_, _, _, detail)| detail).collect())
                })
                .await
            }
        }
    }
}
