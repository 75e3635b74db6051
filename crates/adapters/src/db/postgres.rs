//! PostgreSQL: connection settings, the pool and migrations.

use std::sync::Arc;
use std::time::Duration;

use deadpool::Runtime;
use diesel::connection::SimpleConnection;
use diesel::{ConnectionError, ConnectionResult};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio_postgres::{Config, NoTls};

use super::{DbError, PoolOptions};

pub(crate) type PgPool = Pool<AsyncPgConnection>;

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
        .max_size(options.max_size.unwrap_or(DEFAULT_MAX_SIZE))
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
