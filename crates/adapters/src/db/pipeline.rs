//! PostgreSQL pipelining: several statements of one transaction sent before
//! the first answer is awaited, so they cost one round trip, not one each.
//!
//! What it buys: an order costs two round trips in all instead of one per
//! statement, from 0.55 to 0.68 of pgbench (bench/changes.md, `391be12`).
//! Without it orders still work (SQLite and the read-only quote run the
//! same flights awaited one by one), only slower, holding their row locks
//! longer.
//!
//! A short write transaction is mostly waiting: `BEGIN`, each statement and
//! `COMMIT` is a round trip, and on a shared or remote server each one costs
//! both sides a send, a receive and a wake-up, while the rows it locked stay
//! locked. When the statements of a stretch do not depend on each other's
//! answers (`BEGIN` and the stock updates; the order's inserts and
//! `COMMIT`), they can go out together: PostgreSQL runs them one after the
//! other, in the order they arrive, exactly as if each had been awaited.
//!
//! diesel-async's transactions await their `BEGIN` and `COMMIT`, so a
//! pipelined transaction is opened and closed by hand, on a [`Session`]
//! that makes sure no connection goes back to the pool inside it.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

use diesel::QueryResult;
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::future::BoxFuture;

/// Sends every statement, in order, then collects their answers in the same
/// order: one round trip for all. Each statement must be a diesel-async
/// query over `&AsyncPgConnection` (`BEGIN` and `COMMIT` too, as
/// `sql_query(..).cached()`): such a future sends its request when first
/// polled, and one whose statement is not prepared yet holds the
/// connection's statement cache while it prepares it, the others queueing
/// for it in order. A `batch_execute` does not queue, so it could overtake a
/// statement still preparing: never put one in a flight. The first error is
/// returned; the statements after a failed one fail too (PostgreSQL aborts
/// the transaction), so the caller rolls back.
pub(crate) async fn in_one_flight<T>(mut statements: Vec<BoxFuture<'_, QueryResult<T>>>) -> QueryResult<Vec<T>> {
    let mut early = Vec::with_capacity(statements.len());
    for statement in &mut statements {
        early.push(poll_once(statement.as_mut()).await);
    }
    let mut answers = Vec::with_capacity(statements.len());
    for (statement, early) in statements.into_iter().zip(early) {
        answers.push(match early {
            Some(answer) => answer?,
            None => statement.await?,
        });
    }
    Ok(answers)
}

/// Polls `future` once: its output if that finished it.
async fn poll_once<F: Future + ?Sized>(mut future: Pin<&mut F>) -> Option<F::Output> {
    poll_fn(|cx| {
        Poll::Ready(match future.as_mut().poll(cx) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        })
    })
    .await
}

/// A pooled connection on which this code may have opened a transaction by
/// hand. Unless what it opened was closed (committed, so marked with
/// [`Session::mark_committed`], or rolled back), it leaves the pool when
/// dropped, closing the session, so PostgreSQL rolls back whatever was open
/// and no later user inherits it: this holds on every path out, an early
/// return or a panic included.
pub(crate) struct Session {
    pooled: Option<Object<AsyncPgConnection>>,
    closed_cleanly: bool,
}

impl Session {
    pub(crate) fn new(pooled: Object<AsyncPgConnection>) -> Self {
        Self { pooled: Some(pooled), closed_cleanly: true }
    }

    /// The connection, now counted as possibly inside a transaction.
    pub(crate) fn open(&mut self) -> Option<&AsyncPgConnection> {
        self.closed_cleanly = false;
        self.pooled.as_deref()
    }

    /// The transaction was committed (the caller saw `COMMIT` succeed).
    pub(crate) fn mark_committed(&mut self) {
        self.closed_cleanly = true;
    }

    /// Rolls back whatever is open. If that fails too, the connection is
    /// dropped from the pool at once (it is broken or its state unknown).
    pub(crate) async fn roll_back(&mut self) {
        let Some(pooled) = self.pooled.as_deref() else { return };
        let mut conn = pooled;
        match conn.batch_execute("ROLLBACK").await {
            Ok(()) => self.closed_cleanly = true,
            Err(error) => {
                tracing::warn!(%error, "ROLLBACK failed; the connection is dropped from the pool");
                self.discard();
            }
        }
    }

    fn discard(&mut self) {
        if let Some(pooled) = self.pooled.take() {
            drop(Object::take(pooled));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.closed_cleanly {
            self.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use diesel::sql_types::{BigInt, Text};
    use diesel::IntoSql;
    use diesel_async::RunQueryDsl;
    use futures_util::{FutureExt, TryFutureExt};

    use super::*;
    use crate::db::postgres::{build_pool, test_config, PgPool};
    use crate::db::CacheStatement;
    use crate::db::PoolOptions;

    /// A pool of one connection to the test database, or `None` (see
    /// [`test_config`]).
    fn one_connection() -> Option<PgPool> {
        let config = Arc::new(test_config()?);
        Some(build_pool(config, PoolOptions { max_size: Some(1), ..PoolOptions::default() }).unwrap())
    }

    #[tokio::test]
    async fn statements_in_one_flight_run_in_the_order_given() {
        let Some(pool) = one_connection() else { return };
        let pooled = pool.get().await.unwrap();
        let mut c: &AsyncPgConnection = &pooled;
        c.batch_execute("CREATE TEMP TABLE flight (n text)").await.unwrap();
        // The inserts are never cached, so each prepares first (a round trip
        // of its own) while the statements after it wait; the ROLLBACK must
        // still come last, or the rows would stay.
        let flight: Vec<BoxFuture<'_, QueryResult<Vec<String>>>> = vec![
            diesel::sql_query("BEGIN").cached().execute(&mut c).map_ok(|_| vec![]).boxed(),
            diesel::sql_query("INSERT INTO flight VALUES ('first')").execute(&mut c).map_ok(|_| vec![]).boxed(),
            diesel::sql_query("INSERT INTO flight VALUES ('second')").execute(&mut c).map_ok(|_| vec![]).boxed(),
            diesel::sql_query("SELECT string_agg(n, ',' ORDER BY n) AS n FROM flight")
                .load::<Row>(&mut c)
                .map_ok(|rows| rows.into_iter().map(|r| r.n).collect())
                .boxed(),
            diesel::select("x".into_sql::<Text>()).load::<String>(&mut c).boxed(),
            diesel::sql_query("ROLLBACK").cached().execute(&mut c).map_ok(|_| vec![]).boxed(),
        ];
        let answers = in_one_flight(flight).await.unwrap();
        assert_eq!(answers[3], ["first,second"], "each statement sees the ones before it");
        assert_eq!(answers[4], ["x"]);
        let left = diesel::sql_query("SELECT count(*)::text AS n FROM flight").load::<Row>(&mut c).await.unwrap();
        assert_eq!(left[0].n, "0", "rolled back last, after both inserts");
    }

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        n: String,
    }

    async fn pid(mut conn: &AsyncPgConnection) -> i64 {
        diesel::select(diesel::dsl::sql::<BigInt>("pg_backend_pid()::bigint")).get_result(&mut conn).await.unwrap()
    }

    #[tokio::test]
    async fn an_unclosed_cleanly_session_leaves_the_pool_and_its_transaction_with_it() {
        let Some(pool) = one_connection() else { return };
        let first = {
            let mut session = Session::new(pool.get().await.unwrap());
            let mut conn = session.open().unwrap();
            conn.batch_execute("BEGIN").await.unwrap();
            let first = pid(conn).await;
            session.roll_back().await;
            first
        };
        assert_eq!(pool.status().size, 1, "rolled back: the connection went back to the pool");

        let second = pid(&pool.get().await.unwrap()).await;
        assert_eq!(second, first, "the same session, reused");
        {
            let mut session = Session::new(pool.get().await.unwrap());
            let mut conn = session.open().unwrap();
            conn.batch_execute("BEGIN").await.unwrap();
            // Dropped here inside its transaction, as on an early return.
        }
        assert_eq!(pool.status().size, 0, "an open transaction never goes back to the pool");
        let third = pid(&pool.get().await.unwrap()).await;
        assert_ne!(third, first, "a new session");
    }
}
