//! Prepared-statement caching for the writes diesel would prepare anew on
//! every run.
//!
//! What it buys: the order transaction's writes skip a parse, a plan and a
//! round trip each, which took `POST /orders` from 0.43 to 0.55 of pgbench
//! (bench/changes.md, `45d31e5`). Without it every `UPDATE` and struct
//! `INSERT` is prepared anew on each run, and the order path loses that.
//!
//! Diesel keeps each connection's prepared statements in a cache, but it
//! never caches an `UPDATE`, nor an `INSERT` of a struct (a field may turn
//! into `DEFAULT`): their SQL can vary while their Rust type stays the same,
//! so a cache keyed by type could hand out the wrong statement. Such a write
//! then costs PostgreSQL a parse and a plan, and the connection a round trip
//! (`Parse`/`Describe`) before the real one, every time. On `POST /orders`
//! that was three extra round trips in one transaction (bench/results.md).
//!
//! [`Cached`] caches such a statement keyed by its SQL text and bind types,
//! so a different text is a different statement and the cache stays right.
//! Use it only where the text takes a bounded number of forms (every write
//! here: fixed column lists, `treat_none_as_null` changesets), never where
//! it grows with the data, such as an `IN` list of any length: each form
//! stays prepared for the connection's life.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// `Q`, prepared once per connection and cached by its SQL text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cached<Q>(Q);

/// `.cached()` on any query: see the module docs for when it is right.
pub(crate) trait CacheStatement: Sized {
    fn cached(self) -> Cached<Self> {
        Cached(self)
    }
}

impl<Q> CacheStatement for Q {}

impl<Q, DB> QueryFragment<DB> for Cached<Q>
where
    Q: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // A provided method of `QueryFragment` that diesel hides from its docs
    // (Cargo.lock pins the version); the test below shows it still works.
    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the cache must key this statement by its SQL text, never
/// by its type.
impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {

    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::{AsyncPgConnection, RunQueryDsl};

    use super::CacheStatement;
    use crate::db::postgres::{establish, test_config};

    diesel::table! {
        cache_probe (id) {
            id -> Int4,
            n -> Int8,
        }
    }

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Prepared {
        #[diesel(sql_type = Text)]
        statement: String,
        #[diesel(sql_type = BigInt)]
        runs: i64,
    }

    /// A session of the test database with a temporary table of one row, or
    /// `None` (see [`test_config`]).
    async fn session() -> Option<AsyncPgConnection> {
        let mut conn = establish(&test_config()?).await.unwrap();
        diesel::sql_query("CREATE TEMP TABLE cache_probe (id int PRIMARY KEY, n bigint NOT NULL)")
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::sql_query("INSERT INTO cache_probe VALUES (1, 0)").execute(&mut conn).await.unwrap();
        Some(conn)
    }

    /// The session's prepared statements starting with `start`, and how
    /// often each ran.
    async fn prepared(conn: &mut AsyncPgConnection, start: &str) -> Vec<Prepared> {
        diesel::sql_query(
            "SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements \
             WHERE starts_with(statement, $1)",
        )
        .bind::<Text, _>(start)
        .load(conn)
        .await
        .unwrap()
    }

    /// The session's prepared UPDATEs of the probe table and how often each ran.
    async fn prepared_updates(conn: &mut AsyncPgConnection) -> Vec<Prepared> {
        prepared(conn, "UPDATE \"cache_probe\"").await
    }

    #[tokio::test]
    async fn a_cached_update_is_prepared_once_and_run_again() {
        let Some(mut conn) = session().await else { return };
        let bump = || diesel::update(cache_probe::table.find(1)).set(cache_probe::n.eq(cache_probe::n + 1));

        // Diesel's own way: a statement prepared for one run, then closed.
        for _ in 0..3 {
            bump().execute(&mut conn).await.unwrap();
        }
        assert_eq!(prepared_updates(&mut conn).await, []);

        for _ in 0..3 {
            bump().cached().execute(&mut conn).await.unwrap();
        }
        let prepared = prepared_updates(&mut conn).await;
        assert_eq!(prepared.len(), 1, "{prepared:?}");
        assert_eq!(prepared[0].runs, 3, "{prepared:?}");
        let n = cache_probe::table.find(1).select(cache_probe::n).first::<i64>(&mut conn).await.unwrap();
        assert_eq!(n, 6);
    }

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Probe {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    #[tokio::test]
    async fn a_cached_text_query_with_binds_is_prepared_once_and_run_again() {
        let Some(mut conn) = session().await else { return };
        // As the product listing runs its statements: text, bound values.
        let read = |id: i64| {
            diesel::sql_query("SELECT n FROM cache_probe WHERE id = $1 LIMIT $2")
                .into_boxed()
                .bind::<BigInt, _>(id)
                .bind::<BigInt, _>(21_i64)
        };
        read(1).load::<Probe>(&mut conn).await.unwrap();
        assert_eq!(prepared(&mut conn, "SELECT n FROM cache_probe").await, [], "uncached: prepared for one run");
        for _ in 0..3 {
            assert_eq!(read(1).cached().load::<Probe>(&mut conn).await.unwrap(), [Probe { n: 0 }]);
        }
        let prepared = prepared(&mut conn, "SELECT n FROM cache_probe").await;
        assert_eq!(prepared.len(), 1, "{prepared:?}");
        assert_eq!(prepared[0].runs, 3, "{prepared:?}");
    }
}
