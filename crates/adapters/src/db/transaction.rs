//! Write transactions: several statements that commit together or not at
//! all, run again as a whole when the database asks for it.
//!
//! On SQLite a write transaction begins `IMMEDIATE`: it takes the write lock
//! first, waiting for it (busy_timeout), whereas a deferred transaction that
//! reads first fails outright with SQLITE_BUSY when it later tries to write
//! while another connection holds the lock. On PostgreSQL it is a plain READ
//! COMMITTED transaction: a conditional `UPDATE` waits for a concurrent
//! writer of the same row, then re-checks its condition against the
//! committed row, so row locks taken in one global order suffice.

use std::time::Duration;

use diesel::result::Error as DieselError;
use rand::Rng;
use zonmart_ports::RepoError;

use super::errors::{from_diesel, is_retryable};

/// Attempts of one transaction before a retryable failure is given up as
/// `Unavailable`.
const MAX_ATTEMPTS: u32 = 5;

/// Why a write transaction's body rolled it back.
pub(crate) enum Rollback<R> {
    /// The body refused to go on (a stale version, too little stock...):
    /// nothing it wrote stays.
    Refused(R),
    Failed(DieselError),
}

impl<R> From<DieselError> for Rollback<R> {
    fn from(error: DieselError) -> Self {
        Rollback::Failed(error)
    }
}

/// Whether to run a transaction again after `outcome`, its `attempt`-th
/// (from 1); waits a short, growing, jittered while first, so that the
/// transactions that collided do not collide again in step.
pub(crate) async fn should_retry<T, R>(outcome: &Result<T, Rollback<R>>, attempt: u32) -> bool {
    let Err(Rollback::Failed(error)) = outcome else { return false };
    if attempt >= MAX_ATTEMPTS || !is_retryable(error) {
        return false;
    }
    let base = 5_u64 << attempt.min(6);
    let jitter = rand::rng().random_range(0..=base);
    tracing::debug!(attempt, error = %error, "retrying a write transaction");
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
    true
}

/// A finished transaction: its value or its body's refusal, or the database
/// error as a `RepoError`.
pub(crate) fn split_outcome<T, R>(outcome: Result<T, Rollback<R>>) -> Result<Result<T, R>, RepoError> {
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(Rollback::Refused(reason)) => Ok(Err(reason)),
        Err(Rollback::Failed(error)) => Err(from_diesel(error)),
    }
}

/// Runs `$body` (a block evaluating to `Result<T, Rollback<R>>`) as one write
/// transaction on a connection from `$db`'s pool, in a detached task like
/// `with_conn!`, retrying it on serialization failures, deadlocks and a busy
/// SQLite. `Err(Rollback::Refused(r))` or any error rolls everything back.
/// The body may run more than once, so it borrows what it uses rather than
/// moving it. Evaluates to `Result<Result<T, R>, RepoError>`.
macro_rules! in_write_transaction {
    ($db:expr, |$conn:ident| $body:block) => {
        match $db.backend() {
            $crate::db::Backend::Postgres { pool, .. } => {
                let pool = pool.clone();
                $crate::db::run_detached(async move {
                    let mut pooled = pool.get().await.map_err($crate::db::errors::from_pool)?;
                    let mut attempt = 1;
                    loop {
                        let outcome =
                            ::diesel_async::AsyncConnection::transaction(&mut *pooled, async |$conn| $body).await;
                        if !$crate::db::transaction::should_retry(&outcome, attempt).await {
                            break $crate::db::transaction::split_outcome(outcome);
                        }
                        attempt += 1;
                    }
                })
                .await
            }
            $crate::db::Backend::Sqlite(store) => {
                let pool = store.writer().clone();
                $crate::db::run_detached(async move {
                    let mut pooled = pool.get().await.map_err($crate::db::errors::from_pool)?;
                    let mut attempt = 1;
                    loop {
                        let outcome = (&mut *pooled).immediate_transaction(async |$conn| $body).await;
                        if !$crate::db::transaction::should_retry(&outcome, attempt).await {
                            break $crate::db::transaction::split_outcome(outcome);
                        }
                        attempt += 1;
                    }
                })
                .await
            }
        }
    };
}
pub(crate) use in_write_transaction;
