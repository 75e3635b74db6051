//! PostgreSQL: connection settings, the pool and migrations.

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

use super::{DbError, PoolOptions};

/// The PostgreSQL pool: one deadpool per shard, each thread taking its
/// connections from the shard its thread index picks.
///
/// A connection's socket is driven by a task on the runtime of the thread
/// that opened it. actix-web runs one single-threaded runtime per worker, so
/// with one shared pool a worker mostly borrowed connections another thread
/// drives, and each round trip woke that thread and was handed back: two
/// extra cross-thread wake-ups per statement. With a shard per worker (the
/// server asks for workers + 1; the one left over serves the main thread's
/// start-up and housekeeping), a worker opens, drives and uses its own
/// connections. One shard (the default) is one ordinary pool.
#[derive(Clone)]
pub(crate) struct PgPool {
    shards: Arc<[Pool<AsyncPgConnection>]>,
}

impl PgPool {
    pub(crate) async fn get(&self) -> Result<Object<AsyncPgConnection>, PoolError> {
        self.shard().get().await
    }

    fn shard(&self) -> &Pool<AsyncPgConnection> {
        static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static THREAD_INDEX: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
        }
        let index = THREAD_INDEX.with(|index| *index) % self.shards.len();
        &self.shards[index]
    }

    /// The shards' figures added up.
    pub(crate) fn status(&self) -> deadpool::Status {
        let mut total = deadpool::Status { max_size: 0, size: 0, available: 0, waiting: 0 };
        for status in self.shards.iter().map(Pool::status) {
            total.max_size += status.max_size;
            total.size += status.size;
            total.available += status.available;
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

/// The driver configuration for `url`, with `default_connect_timeout` when
/// the URL sets none: tokio-postgres would otherwise wait for the operating
/// system's TCP timeout on an unreachable host.
/// Idle time before TCP keepalive probes, and the time between them.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(5);

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
    let shard_sizes = split(options.max_size.unwrap_or(DEFAULT_MAX_SIZE), options.shards);
    let shards = shard_sizes
        .into_iter()
        .map(|max_size| build_shard(Arc::clone(&config), max_size, options))
        .collect::<Result<Arc<[_]>, DbError>>()?;
    Ok(PgPool { shards })
}

/// `total` connections over at most `shards` shards, as evenly as they go,
/// adding up to exactly `total` (so the configured maximum holds), each shard
/// at least one.
fn split(total: usize, shards: usize) -> Vec<usize> {
    let total = total.max(1);
    let shards = shards.clamp(1, total);
    (0..shards).map(|i| total / shards + usize::from(i < total % shards)).collect()
}

fn build_shard(config: Arc<Config>, max_size: usize, options: PoolOptions) -> Result<Pool<AsyncPgConnection>, DbError> {
    let connect_timeout = config.get_connect_timeout().copied().unwrap_or(options.connect_timeout);
    // The driver's timeout covers each host's TCP connect; the pool's bounds
    // the whole attempt, start-up and authentication included.
    let hosts = u32::try_from(config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
    let create_timeout = connect_timeout.saturating_mul(hosts.saturating_add(1));

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
/// `block_in_place`, which panics on a current-thread runtime.
pub(crate) async fn migrate(config: Arc<Config>) -> Result<(), DbError> {
    let conn = establish(&config).await.map_err(|e| DbError::Unavailable(e.to_string()))?;
    tokio::task::spawn_blocking(move || run_migrations(conn))
        .await
        .map_err(|e| DbError::Migration(format!("the migration task failed: {e}")))?
}

fn run_migrations(conn: AsyncPgConnection) -> Result<(), DbError> {
    // Drives the async connection from this blocking thread through the
    // runtime that owns its socket.
    let mut conn: AsyncConnectionWrapper<AsyncPgConnection> = AsyncConnectionWrapper::from(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .map_err(|e| DbError::Unavailable(e.to_string()))?;
    let applied = conn.run_pending_migrations(MIGRATIONS).map(|_| ()).map_err(|e| DbError::Migration(e.to_string()));
    // The lock belongs to the session, so closing the connection would free
    // it too; unlocking is only politeness, and its failure changes nothing.
    let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool over the test database, or `None` (outside CI) without
    /// `ZONMART_TEST_DATABASE_URL`.
    fn pool(options: PoolOptions) -> Option<PgPool> {
        let Ok(url) = std::env::var("ZONMART_TEST_DATABASE_URL") else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must run the PostgreSQL tests");
            eprintln!("skipping a PostgreSQL test: set ZONMART_TEST_DATABASE_URL to run it");
            return None;
        };
        Some(build_pool(Arc::new(parse_url(&url, Duration::from_secs(3)).unwrap()), options).unwrap())
    }

    /// On a thread of its own (a runtime of its own, as an actix-web worker
    /// has), takes a connection twice: the server process id of each.
    fn sessions_on_a_new_thread(pool: &PgPool) -> Vec<i64> {
        use diesel::sql_types::BigInt;
        use diesel_async::RunQueryDsl;
        let pool = pool.clone();
        std::thread::spawn(move || {
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
    fn the_maximum_is_split_exactly_and_never_into_empty_shards() {
        assert_eq!(split(16, 3), [6, 5, 5]);
        assert_eq!(split(16, 1), [16]);
        assert_eq!(split(2, 3), [1, 1], "fewer connections than shards: fewer shards");
        assert_eq!(split(0, 0), [1]);
    }

    #[test]
    fn each_thread_takes_connections_from_its_own_shard() {
        // Many shards of one connection, so two threads (whatever other tests
        // spawn meanwhile) land on different shards.
        let Some(pool) = pool(PoolOptions { max_size: Some(1000), shards: 1000, ..PoolOptions::default() }) else {
            return;
        };
        let first = sessions_on_a_new_thread(&pool);
        let second = sessions_on_a_new_thread(&pool);
        assert_eq!(first[0], first[1], "a thread reuses its own connection");
        assert_eq!(second[0], second[1], "a thread reuses its own connection");
        assert_ne!(first[0], second[0], "the second thread did not borrow the first one's idle connection");
        assert_eq!(pool.status().size, 2);
    }

    #[test]
    fn one_shard_is_one_shared_pool() {
        let Some(pool) = pool(PoolOptions { max_size: Some(4), ..PoolOptions::default() }) else { return };
        let (first, second) = (sessions_on_a_new_thread(&pool), sessions_on_a_new_thread(&pool));
        assert_eq!(first[0], first[1]);
        assert_eq!(pool.status().max_size, 4);
        // The first thread's connection died with its runtime; the second
        // thread found it in the shared pool and replaced it.
        assert_ne!(first[0], second[0]);
        assert_eq!(pool.status().size, 1);
    }
}
