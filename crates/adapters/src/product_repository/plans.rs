//! The plans the database makes for product listings (feature
//! `test-support`), so tests can show that an index serves every listing.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::PageRequest;
use zonmart_ports::{ProductFilter, ProductSort, RepoError};

use super::listing::{Listing, Statement};
use super::search::{Ask, Search};
use super::{bound, dialect, run_search, ProductRow, RankedRow, SqlProductRepository, Term};
use crate::db::with_conn;

/// One statement a listing ran, and the database's plan for it.
#[derive(Debug, Clone)]
pub struct ExplainedStatement {
    /// The SQL, placeholders and all.
    pub sql: String,
    /// PostgreSQL's `EXPLAIN` or SQLite's `EXPLAIN QUERY PLAN`, a line per
    /// plan row.
    pub plan: String,
}

impl ExplainedStatement {
    /// Whether this is the bounded walk of an order's index (else a probe
    /// of an inverted index, or a listing without `q`).
    pub fn is_walk(&self) -> bool {
        self.sql.contains(") AS walked")
    }

    /// Whether this asks an inverted index for matches.
    pub fn is_probe(&self) -> bool {
        !self.is_walk() && (self.sql.contains("LIKE") || self.sql.contains("MATCH"))
    }
}

/// `statement` prefixed, as a statement of its own.
fn prefixed(prefix: &str, statement: &Statement) -> Statement {
    Statement { sql: format!("{prefix}{}", statement.sql), binds: statement.binds.clone(), prepare_once: false }
}

/// A row of `EXPLAIN` (PostgreSQL: one text column).
#[derive(QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// A row of `EXPLAIN QUERY PLAN` (SQLite).
#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

impl SqlProductRepository {
    /// Runs `list` for these arguments and explains each statement it ran,
    /// in order: PostgreSQL's `EXPLAIN`, SQLite's `EXPLAIN QUERY PLAN`.
    /// Plans are only as good as the statistics: analyze the table first
    /// (on PostgreSQL, `VACUUM (ANALYZE)` also merges the GIN indexes'
    /// pending lists, which the planner otherwise prices far too high).
    pub async fn explain_list(
        &self,
        filter: &ProductFilter,
        sort: ProductSort,
        page: PageRequest,
    ) -> Result<Vec<ExplainedStatement>, RepoError> {
        let mut search = Search::new(Listing::new(filter, sort, page), dialect(&self.db));
        let postgres = matches!(dialect(&self.db), super::listing::Dialect::Postgres);
        with_conn!(self.db, |conn| {
            let mut explained = Vec::new();
            let ran: diesel::QueryResult<Search> = run_search!(conn, search, |statement| {
                let plan = if postgres {
                    let lines = bound(&*conn, &prefixed("EXPLAIN ", statement)).load::<PgPlanLine>(conn).await?;
                    lines.into_iter().map(|l| l.line).collect::<Vec<_>>()
                } else {
                    let lines =
                        bound(&*conn, &prefixed("EXPLAIN QUERY PLAN ", statement)).load::<SqlitePlanLine>(conn).await?;
                    lines.into_iter().map(|l| l.detail).collect::<Vec<_>>()
                };
                explained.push(ExplainedStatement { sql: statement.sql.clone(), plan: plan.join("\n") });
            });
            ran?;
            Ok(explained)
        })
    }
}
