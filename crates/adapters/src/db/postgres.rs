//! PostgreSQL: connection settings, the pool and migrations.
//!
//! The pool has a shard per HTTP worker thread, which that worker alone
//! drives, so a query's answer wakes the thread waiting for it rather than
//! another one. What it buys: product reads from 0.42 to 0.53 of pgbench and
//! orders from 0.67 to 0.76 (bench/changes.md, `3d71355` and `37f1a54`).
//! Without it (one shared pool, as threads that are not workers get) every
//! round trip costs a cross-thread wake-up.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deadpool::Runtime;
use diesel::connection::SimpleConnection;
use diesel::{ConnectionError, ConnectionResult};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio_postgres::{Config, NoTls};

use super::shared::{SharedConnection, SharedConnections};
use super::{DbError, PoolOptions};

/// The PostgreSQL pool: one deadpool per worker thread, and one spare
/// connection for every other thread.
///
/// A connection's socket is driven by a task on the runtime of the thread
/// that opened it. actix-web runs one single-threaded runtime per worker, so
/// with one shared pool a worker mostly borrowed connections another thread
/// drives, and each round trip woke that thread and was handed back: two
/// extra cross-thread wake-ups per statement. With a shard per worker (a
/// worker calls [`bind_worker_thread`] as it starts), a worker opens, drives
/// and uses its own connections. Threads never bound (start-up and
/// housekeeping on the main thread) share the spare shard of one connection,
/// so nearly all the configured connections serve requests. Without worker
/// shards (the default) it is one ordinary pool.
#[derive(Clone)]
pub(crate) struct PgPool {
    /// The worker shards, then the spare one (or just one shared pool).
    pub(super) shards: Arc<[Shard]>,
}

/// One worker's connections: a pool for everything, and the shared read
/// connections its short reads pipeline on (see [`super::shared`]).
pub(super) struct Shard {
    pub(super) pool: Pool<AsyncPgConnection>,
    pub(super) shared: Arc<SharedConnections>,
}

thread_local! {
    /// This thread's worker number, once it is bound.
    static WORKER: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Binds the calling thread to a worker shard of every PostgreSQL pool
/// (round robin; a thread already bound keeps its shard).
pub(crate) fn bind_worker_thread() {
    static NEXT_WORKER: AtomicUsize = AtomicUsize::new(0);
    WORKER.with(|worker| {
        if worker.get().is_none() {
            worker.set(Some(NEXT_WORKER.fetch_add(1, Ordering::Relaxed)));
        }
    });
}

impl PgPool {
    pub(crate) async fn get(&self) -> Result<Object<AsyncPgConnection>, PoolError> {
        self.shard().pool.get().await
    }

    /// One of this thread's shared read connections, if one is open (see
    /// [`super::shared`] for what may run on it).
    pub(crate) fn shared(&self) -> Option<Arc<SharedConnection>> {
        self.shard().shared.acquire()
    }

    fn shard(&self) -> &Shard {
        let spare = self.shards.len() - 1;
        match WORKER.with(Cell::get) {
            Some(worker) if spare > 0 => &self.shards[worker % spare],
            _ => &self.shards[spare],
        }
    }

    /// The shards' figures added up.
    pub(crate) fn status(&self) -> deadpool::Status {
        let mut total = deadpool::Status { max_size: 0, size: 0, available: 0, waiting: 0 };
        for shard in self.shards.iter() {
            let status = shard.pool.status();
            // A shared connection is always open to more reads: it counts
            // as available.
            let shared_open = shard.shared.open();
            total.max_size += status.max_size + shard.shared.capacity();
            total.size += status.size + shared_open;
            total.available += status.available + shared_open;
            total.waiting += status.waiting;
        }
        total
    }
}

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

const DEFAULT_MAX_SIZE: usize = 16;

/// Advisory lock key (arbitrary, "zonmart" in ASCII) held while migrating, so
/// two instances starting together do not both apply the same migration.
const MIGRATION_LOCK: i64 = 0x7a_6f6e_6d61_7274;

/// Idle time before TCP keepalive probes, and the time between them.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(5);

/// The driver configuration for `url`, with `default_connect_timeout` when
/// the URL sets none: tokio-postgres would otherwise wait for the operating
/// system's TCP timeout on an unreachable host.
pub(crate) fn parse_url(url: &str, default_connect_timeout: Duration) -> Result<Config, DbError> {
    let mut config: Config = url.parse().map_err(|e: tokio_postgres::Error| DbError::InvalidUrl(e.to_string()))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(default_connect_timeout);
    }
    // Find a peer that went silent (a partition, a frozen host) in seconds,
    // not the system's two hours, so its connections break and are replaced.
    config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE).keepalives_interval(KEEPALIVE_IDLE).keepalives_retries(3);
    Ok(config)
}

pub(crate) fn build_pool(config: Arc<Config>, options: PoolOptions) -> Result<PgPool, DbError> {
    let shard_sizes = split(options.max_size.unwrap_or(DEFAULT_MAX_SIZE), options.worker_shards);
    let spare = (shard_sizes.len() > 1).then(|| shard_sizes.len() - 1);
    let shards = shard_sizes
        .into_iter()
        .enumerate()
        .map(|(index, size)| {
            // The spare shard serves start-up and housekeeping: no shared reads.
            let shared = if Some(index) == spare { 0 } else { shared_share(size) };
            let pool = build_shard(Arc::clone(&config), size - shared, options)?;
            let connect_timeout = create_timeout(&config, options);
            Ok(Shard { pool, shared: SharedConnections::new(Arc::clone(&config), shared, connect_timeout) })
        })
        .collect::<Result<Arc<[_]>, DbError>>()?;
    Ok(PgPool { shards })
}

/// Shared read connections per shard at most (see [`super::shared`]): one
/// connection's backend is a single PostgreSQL process, and two let the
/// database use both cores for one worker's reads; more only queue reads
/// behind each other (measured in bench/changes.md, "Tried and dropped").
const SHARED_PER_SHARD: usize = 2;

/// How many of a shard's `size` connections are shared read connections:
/// up to [`SHARED_PER_SHARD`], always leaving the pool more than they take.
pub(super) fn shared_share(size: usize) -> usize {
    SHARED_PER_SHARD.min(size.saturating_sub(1) / 2)
}

/// How long opening one connection may take in all: the driver's timeout
/// covers each host's TCP connect, this the whole attempt over every host,
/// start-up and authentication included.
fn create_timeout(config: &Config, options: PoolOptions) -> Duration {
    let connect_timeout = config.get_connect_timeout().copied().unwrap_or(options.connect_timeout);
    let hosts = u32::try_from(config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
    connect_timeout.saturating_mul(hosts.saturating_add(1))
}

/// `total` connections over at most `workers` worker shards, as evenly as
/// they go, then one for the spare shard; adding up to exactly `total` (so
/// the configured maximum holds), each shard at least one. Too few
/// connections for a spare and a worker shard: one shared pool.
fn split(total: usize, workers: usize) -> Vec<usize> {
    let total = total.max(1);
    if workers == 0 || total < 2 {
        return vec![total];
    }
    let for_workers = total - 1;
    let workers = workers.min(for_workers);
    let mut sizes: Vec<usize> =
        (0..workers).map(|i| for_workers / workers + usize::from(i < for_workers % workers)).collect();
    sizes.push(1);
    sizes
}

fn build_shard(config: Arc<Config>, max_size: usize, options: PoolOptions) -> Result<Pool<AsyncPgConnection>, DbError> {
    let connect_timeout = config.get_connect_timeout().copied().unwrap_or(options.connect_timeout);
    let create_timeout = create_timeout(&config, options);

    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // No `SELECT 1` on every checkout (it doubled the round trips of short
    // requests): a connection whose socket closed (a killed or failed-over
    // server, a cut link) is already dropped as broken on checkout, and a
    // silent peer is found by TCP keepalives (see `parse_url`).
    manager_config.recycling_method = RecyclingMethod::Fast;
    let setup_config = Arc::clone(&config);
    manager_config.custom_setup = Box::new(move |_url| {
        let config = Arc::clone(&setup_config);
        Box::pin(async move { establish(&config).await })
    });
    // The manager's URL is unused (custom_setup has the configuration); a
    // placeholder keeps the password out of anything that might print it.
    let manager = AsyncDieselConnectionManager::new_with_config("postgres://(configured)", manager_config);
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(create_timeout))
        // Bounds the (cheap, local) broken-connection check on checkout.
        .recycle_timeout(Some(connect_timeout))
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// One new connection, honouring the configured connect timeout (which
/// `AsyncPgConnection::establish` would not, as it takes a URL only).
pub(crate) async fn establish(config: &Config) -> ConnectionResult<AsyncPgConnection> {
    let (client, connection) =
        config.connect(NoTls).await.map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// Runs the pending migrations on a dedicated connection, through diesel's
/// synchronous harness on a blocking thread: diesel-async's own harness calls
/// `block_in_place`, which panics on a current-thread runtime. On Citus the
/// schema is then distributed ([`super::citus`]); the answer says whether it is.
pub(crate) async fn migrate(config: Arc<Config>) -> Result<bool, DbError> {
    let conn = establish(&config).await.map_err(|e| DbError::Unavailable(e.to_string()))?;
    tokio::task::spawn_blocking(move || run_migrations(conn))
        .await
        .map_err(|e| DbError::Migration(format!("the migration task failed: {e}")))?
}

fn run_migrations(conn: AsyncPgConnection) -> Result<bool, DbError> {
    // Drives the async connection from this blocking thread through the
    // runtime that owns its socket.
    let mut conn: AsyncConnectionWrapper<AsyncPgConnection> = AsyncConnectionWrapper::from(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .map_err(|e| DbError::Unavailable(e.to_string()))?;
    let migrated = conn.run_pending_migrations(MIGRATIONS).map(|_| ()).map_err(|e| DbError::Migration(e.to_string()));
    let applied = migrated.and_then(|()| super::citus::distribute_if_citus(&mut conn));
    // The lock belongs to the session, so closing the connection would free
    // it too; unlocking is only politeness, and its failure changes nothing.
    let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    applied
}

/// The variable naming the test database.
#[cfg(any(test, feature = "test-support"))]
pub const TEST_DATABASE_URL_VAR: &str = "ZONMART_TEST_DATABASE_URL";

/// The test database's URL, from `ZONMART_TEST_DATABASE_URL` (the one place
/// it is read: the unit tests here and `testing::TestDatabase` both ask
/// this). Unset or blank: `None` with a notice, except under `CI=true`,
/// where a missing database fails the test.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn test_database_url() -> Option<String> {
    const VAR: &str = TEST_DATABASE_URL_VAR;
    match std::env::var(VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
            "{VAR} is not set: CI must run the PostgreSQL tests \
             (e.g. {VAR}=postgres://postgres@127.0.0.1:5432/zonmart_test)"
        ),
        _ => {
            eprintln!("skipping a PostgreSQL test: set {VAR} to run it");
            None
        }
    }
}

/// The unit tests' PostgreSQL: the configuration of [`test_database_url`].
#[cfg(test)]
pub(crate) fn test_config() -> Option<Config> {
    let url = test_database_url()?;
    Some(parse_url(&url, Duration::from_secs(3)).expect("ZONMART_TEST_DATABASE_URL is a PostgreSQL URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool over the test database, or `None` (see [`test_config`]).
    fn pool(options: PoolOptions) -> Option<PgPool> {
        Some(build_pool(Arc::new(test_config()?), options).unwrap())
    }

    /// On a thread of its own (a runtime of its own, as an actix-web worker
    /// has), bound as a worker or not, takes a connection twice: the server
    /// process id of each.
    fn sessions_on_a_new_thread(pool: &PgPool, worker: bool) -> Vec<i64> {
        use diesel::sql_types::BigInt;
        use diesel_async::RunQueryDsl;
        let pool = pool.clone();
        std::thread::spawn(move || {
            if worker {
                bind_worker_thread();
            }
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut pids = Vec::new();
                for _ in 0..2 {
                    let mut conn = pool.get().await.unwrap();
                    let pid = diesel::select(diesel::dsl::sql::<BigInt>("pg_backend_pid()::bigint"));
                    pids.push(pid.get_result::<i64>(&mut *conn).await.unwrap());
                }
                pids
            })
        })
        .join()
        .unwrap()
    }

    #[test]
    fn the_maximum_is_split_exactly_with_one_spare_connection() {
        assert_eq!(split(16, 2), [8, 7, 1]);
        assert_eq!(split(33, 2), [16, 16, 1]);
        assert_eq!(split(16, 0), [16], "no workers: one shared pool");
        assert_eq!(split(3, 4), [1, 1, 1], "fewer connections than workers: fewer shards");
        assert_eq!(split(1, 2), [1], "no room for a spare: one shared pool");
        assert_eq!(split(0, 0), [1]);
    }

    #[test]
    fn each_worker_takes_connections_from_its_own_shard() {
        // Many shards of one connection, so two workers (whatever other tests
        // bind meanwhile) land on different shards.
        let options = PoolOptions { max_size: Some(1001), worker_shards: 1000, ..PoolOptions::default() };
        let Some(pool) = pool(options) else { return };
        let first = sessions_on_a_new_thread(&pool, true);
        let second = sessions_on_a_new_thread(&pool, true);
        assert_eq!(first[0], first[1], "a worker reuses its own connection");
        assert_eq!(second[0], second[1], "a worker reuses its own connection");
        assert_ne!(first[0], second[0], "the second worker did not borrow the first one's idle connection");
        assert_eq!(pool.status().size, 2);
        assert_eq!(pool.status().max_size, 1001);
    }

    #[test]
    fn threads_that_are_not_workers_share_the_spare_connection() {
        let options = PoolOptions { max_size: Some(9), worker_shards: 2, ..PoolOptions::default() };
        let Some(pool) = pool(options) else { return };
        let worker = sessions_on_a_new_thread(&pool, true);
        let (first, second) = (sessions_on_a_new_thread(&pool, false), sessions_on_a_new_thread(&pool, false));
        assert_eq!(worker[0], worker[1]);
        assert_eq!(first[0], first[1]);
        // The first thread's connection died with its runtime; the second
        // found it in the spare shard and replaced it.
        assert_ne!(first[0], second[0]);
        // (Most connections each shard may hold, pooled or shared; pooled open.)
        let sizes: Vec<(usize, usize)> = pool
            .shards
            .iter()
            .map(|s| (s.pool.status().max_size + s.shared.capacity(), s.pool.status().size))
            .collect();
        assert_eq!(sizes[2], (1, 1), "the spare shard: one connection, the one the other threads shared");
        assert_eq!(pool.shards[2].shared.capacity(), 0, "no shared reads on the spare shard");
        assert_eq!(sizes[0].0 + sizes[1].0, 8);
        assert_eq!(sizes[0].1 + sizes[1].1, 1, "the worker's own connection, in its shard");
    }

    #[test]
    fn one_shard_is_one_shared_pool() {
        let Some(pool) = pool(PoolOptions { max_size: Some(4), ..PoolOptions::default() }) else { return };
        let (first, second) = (sessions_on_a_new_thread(&pool, true), sessions_on_a_new_thread(&pool, false));
        assert_eq!(first[0], first[1]);
        assert_eq!(pool.status().max_size, 4);
        // The first thread's connection died with its runtime; the second
        // thread found it in the shared pool and replaced it.
        assert_ne!(first[0], second[0]);
        assert_eq!(pool.status().size, 1);
    }
}
