//! The database handle: a pool of PostgreSQL or SQLite connections chosen by
//! URL, its migrations, its health check, and `with_conn!`, which runs one
//! query body against whichever backend the handle holds
//! (`in_write_transaction!` does the same for a body of several writes that
//! must commit together, see [`transaction`]). Read replicas, and the one
//! policy saying which reads may use them, live in [`replicas`].
//!
//! Queries are written once and type-checked for each backend by repeating
//! the body in each arm of a `match` (no generic backend bounds). Every query
//! runs in a task of its own, so a caller that goes away (a client hanging
//! up, a timeout) never cancels a statement half-way: diesel-async's SQLite
//! wrapper would otherwise block the thread in `block_in_place` on drop,
//! which panics on a current-thread runtime such as actix-web's workers.

pub(crate) mod cached;
mod citus;
pub(crate) mod errors;
pub(crate) mod like;
pub(crate) mod pipeline;
pub(crate) mod postgres;
pub(crate) mod replicas;
pub(crate) mod shared;
mod sqlite;
pub(crate) mod transaction;
pub(crate) mod versioned;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use diesel::sql_types::Integer;
use diesel::IntoSql;
use diesel_async::RunQueryDsl;
use thiserror::Error;
use zonmart_ports::{RepoError, StoreHealth};

pub(crate) use cached::CacheStatement;
pub(crate) use postgres::PgPool;
pub(crate) use replicas::ReplicaRead;
pub use replicas::{ReplicaOptions, ReplicaStatus};
pub(crate) use sqlite::{SqlitePool, SqliteStore};
pub(crate) use transaction::{in_write_transaction, Rollback};

/// How long a health check may take before the store counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Sizes and time limits of a connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Most connections open at once; `None` picks the backend's default
    /// (PostgreSQL 16, SQLite file 4). An in-memory SQLite store always has one.
    pub max_size: Option<usize>,
    /// How long a query waits for a free connection before giving up.
    pub wait_timeout: Duration,
    /// How long opening a connection may take (applied to PostgreSQL URLs
    /// that do not set `connect_timeout` themselves).
    pub connect_timeout: Duration,
    /// PostgreSQL: worker shards to split `max_size` over (exactly, with one
    /// connection kept for threads that are not workers), one per thread
    /// that calls [`bind_worker_thread`]; 0 is one shared pool.
    pub worker_shards: usize,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: None,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(3),
            worker_shards: 0,
        }
    }
}

/// Why the database could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DbError {
    #[error("unsupported database URL: expected postgres://, postgresql://, sqlite:// or sqlite::memory:")]
    UnsupportedUrl,
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migrations failed: {0}")]
    Migration(String),
}

/// How full the pool is, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections not in use.
    pub available: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

impl From<deadpool::Status> for PoolStatus {
    fn from(status: deadpool::Status) -> Self {
        PoolStatus {
            max_size: status.max_size,
            size: status.size,
            available: status.available,
            waiting: status.waiting,
        }
    }
}

/// Binds the calling thread to a PostgreSQL pool shard of its own, so it
/// drives the connections it uses (see `PoolOptions::worker_shards`). Each
/// HTTP worker calls this as it starts; it changes nothing on SQLite or with
/// one shared pool.
pub fn bind_worker_thread() {
    postgres::bind_worker_thread();
}

/// A handle to the store; cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct Database {
    backend: Backend,
    /// Read replicas of a PostgreSQL primary, if configured.
    replicas: Option<Arc<replicas::ReplicaSet>>,
    /// Whether `migrate` found Citus and distributed the schema ([`citus`]).
    sharded: Arc<AtomicBool>,
}

#[derive(Clone)]
pub(crate) enum Backend {
    Postgres { pool: PgPool, config: Arc<tokio_postgres::Config> },
    Sqlite(SqliteStore),
}

impl Database {
    /// A pool for `url`: `postgres://...` / `postgresql://...`, `sqlite://path`
    /// or `sqlite:path` (a file, created if missing) or `sqlite::memory:` (a
    /// throwaway store on one connection). Connections open lazily, so this
    /// succeeds while the database is down; `migrate` or `ping` will tell.
    /// (Async so that checking the connection up front stays a compatible
    /// change.)
    pub async fn connect(url: &str, options: PoolOptions) -> Result<Database, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let config = postgres::parse_url(url, options.connect_timeout)?;
            Self::connect_postgres(config, options)
        } else if let Some(target) = sqlite::parse_url(url)? {
            Ok(Database {
                backend: Backend::Sqlite(sqlite::build_store(target, options)?),
                replicas: None,
                sharded: Arc::default(),
            })
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    /// A PostgreSQL pool from a ready-made driver configuration (the test
    /// support sets a per-test `search_path` this way).
    pub(crate) fn connect_postgres(config: tokio_postgres::Config, options: PoolOptions) -> Result<Database, DbError> {
        let config = Arc::new(config);
        let pool = postgres::build_pool(Arc::clone(&config), options)?;
        Ok(Database { backend: Backend::Postgres { pool, config }, replicas: None, sharded: Arc::default() })
    }

    /// A PostgreSQL primary (`primary_url`, typically multi-host with
    /// `target_session_attrs=read-write`, so a promoted standby is found
    /// after a failover) with read replicas that serve the catalog reads of
    /// [`replicas`]' policy while they keep within `replica_options.max_lag`.
    /// Without replica URLs this is [`Database::connect`]. Needs a Tokio
    /// runtime: a task watches the replicas while the handle lives.
    pub async fn connect_with_replicas(
        primary_url: &str,
        replica_urls: &[String],
        options: PoolOptions,
        replica_options: ReplicaOptions,
    ) -> Result<Database, DbError> {
        if replica_urls.is_empty() {
            return Self::connect(primary_url, options).await;
        }
        if !(primary_url.starts_with("postgres://") || primary_url.starts_with("postgresql://")) {
            return Err(DbError::InvalidUrl("read replicas need a PostgreSQL primary".to_owned()));
        }
        let primary = postgres::parse_url(primary_url, options.connect_timeout)?;
        let replicas = replica_urls
            .iter()
            .map(|url| {
                if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                    postgres::parse_url(url, options.connect_timeout)
                } else {
                    Err(DbError::InvalidUrl("a read replica URL must be postgres://...".to_owned()))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::connect_postgres_with_replicas(primary, replicas, options, replica_options)
    }

    /// [`Database::connect_with_replicas`] from ready-made driver
    /// configurations (the test support points them at schemas of its own).
    pub(crate) fn connect_postgres_with_replicas(
        primary: tokio_postgres::Config,
        replicas: Vec<tokio_postgres::Config>,
        options: PoolOptions,
        replica_options: ReplicaOptions,
    ) -> Result<Database, DbError> {
        let mut database = Self::connect_postgres(primary, options)?;
        let Backend::Postgres { pool, .. } = &database.backend else {
            return Err(DbError::InvalidUrl("read replicas need a PostgreSQL primary".to_owned()));
        };
        let set = Arc::new(replicas::ReplicaSet::new(replicas, options, replica_options)?);
        replicas::ReplicaSet::spawn_watcher(&set, pool.clone());
        database.replicas = Some(set);
        Ok(database)
    }

    /// Each read replica's address, whether it serves reads now and how far
    /// behind it was at the last check (empty without replicas).
    pub fn replica_status(&self) -> Vec<ReplicaStatus> {
        self.replicas.as_ref().map(|set| set.status()).unwrap_or_default()
    }

    /// Runs `read` (a query on the handle it is given) on a usable replica
    /// when `kind` is one the policy of [`replicas`] allows. A replica that
    /// fails to answer is set aside and the next one tried; with none left
    /// the read goes to the primary. `read` may run several times, so it
    /// clones what it moves into its query.
    pub(crate) async fn read_routed<T, F, Fut>(&self, kind: ReplicaRead, read: F) -> Result<T, RepoError>
    where
        F: Fn(Database) -> Fut,
        Fut: Future<Output = Result<T, RepoError>>,
    {
        if let Some(set) = &self.replicas {
            // Each failed replica is set aside, so this ends; the bound is a
            // guard against one flapping back between two attempts.
            for _ in 0..set.len() {
                let Some(replica) = set.pick() else { break };
                let on_replica = Database {
                    backend: Backend::Postgres { pool: replica.pool.clone(), config: Arc::clone(&replica.config) },
                    replicas: None,
                    sharded: Arc::clone(&self.sharded),
                };
                match tokio::time::timeout(replicas::REPLICA_READ_TIMEOUT, read(on_replica)).await {
                    Ok(Err(RepoError::Unavailable(reason))) => replica.set_aside(&reason),
                    Ok(answer) => return answer,
                    Err(_) => replica.set_aside("a read took too long"),
                }
                tracing::debug!(read = ?kind, replica = %replica.address(), "replica read failed; trying elsewhere");
            }
        }
        read(self.clone()).await
    }

    /// Applies the migrations this build embeds that the database lacks.
    /// Safe to run again, and on a current-thread runtime.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match &self.backend {
            Backend::Postgres { config, .. } => {
                let sharded = postgres::migrate(Arc::clone(config)).await?;
                self.sharded.store(sharded, Ordering::Relaxed);
                Ok(())
            }
            Backend::Sqlite(store) => sqlite::migrate(store.clone()).await,
        }
    }

    /// Whether the schema is distributed over Citus (known once `migrate`
    /// ran): product SKUs are then unique through `product_skus`.
    pub fn is_sharded(&self) -> bool {
        AtomicBool::load(&self.sharded, Ordering::Relaxed)
    }

    /// `"postgres"` or `"sqlite"`, for logs.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Postgres { .. } => "postgres",
            Backend::Sqlite(_) => "sqlite",
        }
    }

    pub fn pool_status(&self) -> PoolStatus {
        let status = match &self.backend {
            Backend::Postgres { pool, .. } => pool.status(),
            Backend::Sqlite(store) => store.readers().status(),
        };
        PoolStatus::from(status)
    }

    /// SQLite's queue to its one writer connection (`None` on PostgreSQL):
    /// `waiting` is the writes queued behind the one running.
    pub fn writer_status(&self) -> Option<PoolStatus> {
        match &self.backend {
            Backend::Postgres { .. } => None,
            Backend::Sqlite(store) => Some(PoolStatus::from(store.writer().status())),
        }
    }

    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold a password.
        f.debug_struct("Database")
            .field("backend", &self.backend_name())
            .field("replicas", &self.replicas.as_ref().map_or(0, |set| set.status().len()))
            .finish_non_exhaustive()
    }
}

/// Runs `work` as a task of its own and waits for it. Dropping the returned
/// future leaves the task running to completion instead of cancelling a
/// statement half-way (see the module docs).
pub(crate) async fn run_detached<T, F>(work: F) -> Result<T, RepoError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, RepoError>> + Send + 'static,
{
    match tokio::spawn(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            tracing::error!(error = %e, "a database task panicked");
            Err(RepoError::Internal("a database task panicked".to_owned()))
        }
        Err(_) => Err(RepoError::Unavailable("the runtime is shutting down".to_owned())),
    }
}

/// The body of [`with_conn!`] and [`with_write_conn!`]: `$sqlite_pool`
/// names the SQLite store's pool to use (`readers` or `writer`).
macro_rules! on_conn {
    ($db:expr, $sqlite_pool:ident, |$conn:ident| $body:block) => {
        match $db.backend() {
            $crate::db::Backend::Postgres { pool, .. } => {
                let pool = pool.clone();
                $crate::db::run_detached(async move {
                    let mut pooled = pool.get().await.map_err($crate::db::errors::from_pool)?;
                    let $conn = &mut *pooled;
                    let result: ::diesel::QueryResult<_> = async $body.await;
                    result.map_err($crate::db::errors::from_diesel)
                })
                .await
            }
            $crate::db::Backend::Sqlite(store) => {
                let pool = store.$sqlite_pool().clone();
                $crate::db::run_detached(async move {
                    let mut pooled = pool.get().await.map_err($crate::db::errors::from_pool)?;
                    let $conn = &mut *pooled;
                    let result: ::diesel::QueryResult<_> = async $body.await;
                    result.map_err($crate::db::errors::from_diesel)
                })
                .await
            }
        }
    };
}
pub(crate) use on_conn;

/// Checks a connection out of `$db`'s pool as `$conn` and runs `$body` (a
/// block evaluating to a `diesel::QueryResult`) on it, in a detached task:
/// for reads (on SQLite a reader connection, which refuses writes). The
/// body's text is repeated for each backend so each one is type-checked; it
/// must own what it uses (`async move`). Evaluates to `Result<T, RepoError>`:
/// checkout and query errors are already mapped.
macro_rules! with_conn {
    ($db:expr, |$conn:ident| $body:block) => {
        $crate::db::on_conn!($db, readers, |$conn| $body)
    };
}
pub(crate) use with_conn;

/// [`with_conn!`] for a single-statement write outside a transaction (on
/// SQLite it queues for the one writer connection).
macro_rules! with_write_conn {
    ($db:expr, |$conn:ident| $body:block) => {
        $crate::db::on_conn!($db, writer, |$conn| $body)
    };
}
pub(crate) use with_write_conn;

/// [`with_conn!`] for one short read outside any transaction, by key (the
/// policy of [`shared`] says which): on PostgreSQL it runs on one of the
/// worker's shared, pipelined connections when one is open, and on the pool
/// otherwise or when that connection fails under it; on SQLite, the pool.
macro_rules! with_read_conn {
    ($db:expr, |$conn:ident| $body:block) => {{
        let shared = match $db.backend() {
            $crate::db::Backend::Postgres { pool, .. } => pool.shared(),
            $crate::db::Backend::Sqlite(_) => None,
        };
        let answer = match shared {
            Some(shared) => {
                shared
                    .read(async {
                        let mut handle: &::diesel_async::AsyncPgConnection = shared.connection();
                        let $conn = &mut handle;
                        async $body.await
                    })
                    .await
            }
            None => Err($crate::db::shared::SharedReadError::UseThePool),
        };
        match answer {
            Ok(value) => Ok(value),
            Err($crate::db::shared::SharedReadError::Failed(error)) => Err(error),
            Err($crate::db::shared::SharedReadError::UseThePool) => $crate::db::with_conn!($db, |$conn| $body),
        }
    }};
}
pub(crate) use with_read_conn;

#[async_trait]
impl StoreHealth for Database {
    async fn ping(&self) -> Result<(), RepoError> {
        let round_trip = async {
            with_conn!(self, |conn| {
                diesel::select(1_i32.into_sql::<Integer>()).get_result::<i32>(conn).await.map(|_| ())
            })
        };
        tokio::time::timeout(PING_TIMEOUT, round_trip)
            .await
            .unwrap_or_else(|_| Err(RepoError::Unavailable("the database did not answer in time".to_owned())))
    }
}
