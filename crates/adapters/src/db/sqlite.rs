//! SQLite: URL forms, per-connection settings, the pools and migrations.
//!
//! SQLite takes one writer at a time. Instead of every connection racing
//! for the write lock (`BEGIN IMMEDIATE`, then busy retries: a long tail),
//! a file store has one writer connection, and writes queue for it in the
//! process, first come first served (the writer pool of one); reads run on
//! the other connections (`query_only`, so a write sent there by mistake
//! fails at once), which WAL lets run beside the writer. An in-memory store
//! is one connection doing both.

use deadpool::Runtime;
use diesel::connection::SimpleConnection;
use diesel::{Connection, ConnectionError, ConnectionResult, SqliteConnection};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use zonmart_ports::RepoError;

use super::errors::{from_diesel, from_pool};
use super::{run_detached, DbError, PoolOptions};

pub(crate) type SqlitePool = Pool<SyncConnectionWrapper<SqliteConnection>>;

/// The connections of one SQLite store: readers and the one writer.
#[derive(Clone)]
pub(crate) struct SqliteStore {
    readers: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStore {
    /// For reads outside a write transaction.
    pub(crate) fn readers(&self) -> &SqlitePool {
        &self.readers
    }

    /// For every write: the queue to the one writer connection.
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Read connections of a file store (besides its one writer).
const DEFAULT_MAX_SIZE: usize = 4;

/// Wait up to 5 s for another connection's write lock instead of failing at
/// once; WAL lets readers run beside the writer; NORMAL sync is safe with WAL.
const FILE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                            PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";
const MEMORY_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";
/// A reader refuses to write. (The busy timeout stays for another process
/// on the same file, such as `zonmart demo` beside a server.)
const READER_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA query_only = ON;";

/// Where a SQLite store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A file path, or a SQLite `file:` URI.
    File(String),
    /// A private in-memory database, gone with its connection.
    Memory,
}

/// The target of a `sqlite:` URL, `None` for any other scheme.
pub(crate) fn parse_url(url: &str) -> Result<Option<Target>, DbError> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(None);
    };
    if rest == ":memory:" || rest == "//:memory:" {
        return Ok(Some(Target::Memory));
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.is_empty() {
        return Err(DbError::InvalidUrl("a SQLite URL needs a file path, e.g. sqlite://zonmart.db".to_owned()));
    }
    // Parameters such as `?mode=rwc` mean something to SQLite only in its URI
    // form; as a plain path they would become part of the file name.
    if path.contains('?') && !path.starts_with("file:") {
        return Ok(Some(Target::File(format!("file:{path}"))));
    }
    Ok(Some(Target::File(path.to_owned())))
}

pub(crate) fn build_store(target: Target, options: PoolOptions) -> Result<SqliteStore, DbError> {
    match target {
        Target::File(path) => {
            // The writer first: it sets WAL before any reader opens.
            let writer = build_pool(path.clone(), FILE_PRAGMAS, 1, &options)?;
            let readers = build_pool(path, READER_PRAGMAS, options.max_size.unwrap_or(DEFAULT_MAX_SIZE), &options)?;
            Ok(SqliteStore { readers, writer })
        }
        // Each connection to ":memory:" would open a database of its own.
        Target::Memory => {
            let one = build_pool(":memory:".to_owned(), MEMORY_PRAGMAS, 1, &options)?;
            Ok(SqliteStore { readers: one.clone(), writer: one })
        }
    }
}

fn build_pool(
    location: String,
    pragmas: &'static str,
    max_size: usize,
    options: &PoolOptions,
) -> Result<SqlitePool, DbError> {
    let mut manager_config = ManagerConfig::<SyncConnectionWrapper<SqliteConnection>>::default();
    manager_config.custom_setup = Box::new(move |location| Box::pin(establish(location.to_owned(), pragmas)));
    // A local file does not drop connections as a network does: skipping the
    // ping keeps checkouts cheap and never leaves a SQLite call to be cancelled.
    manager_config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::new_with_config(location, manager_config);
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.connect_timeout))
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// Opens and configures one connection on a blocking thread. Unlike the
/// wrapper's own `establish`, a timed-out open here is simply abandoned
/// instead of blocking the dropping thread.
async fn establish(
    location: String,
    pragmas: &'static str,
) -> ConnectionResult<SyncConnectionWrapper<SqliteConnection>> {
    let opened = tokio::task::spawn_blocking(move || {
        let mut conn = SqliteConnection::establish(&location)?;
        conn.batch_execute(pragmas).map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok::<_, ConnectionError>(conn)
    })
    .await
    .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    Ok(SyncConnectionWrapper::new(opened?))
}

/// Runs the pending migrations on the writer, with diesel's synchronous
/// harness on the wrapper's blocking thread (never diesel-async's harness,
/// which panics on a current-thread runtime).
pub(crate) async fn migrate(store: SqliteStore) -> Result<(), DbError> {
    let pool = store.writer;
    let outcome = run_detached(async move {
        let mut conn = pool.get().await.map_err(from_pool)?;
        conn.spawn_blocking(|conn| Ok(conn.run_pending_migrations(MIGRATIONS).map(|_| ()).map_err(|e| e.to_string())))
            .await
            .map_err(from_diesel)
    })
    .await;
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(message)) => Err(DbError::Migration(message)),
        Err(RepoError::Unavailable(message)) => Err(DbError::Unavailable(message)),
        Err(other) => Err(DbError::Migration(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_or_memory() {
        assert_eq!(parse_url("sqlite://zonmart.db"), Ok(Some(Target::File("zonmart.db".into()))));
        assert_eq!(parse_url("sqlite:zonmart.db"), Ok(Some(Target::File("zonmart.db".into()))));
        assert_eq!(parse_url("sqlite:///var/lib/z.db"), Ok(Some(Target::File("/var/lib/z.db".into()))));
        assert_eq!(parse_url("sqlite::memory:"), Ok(Some(Target::Memory)));
        assert_eq!(parse_url("postgres://x"), Ok(None));
    }

    #[test]
    fn url_parameters_become_a_sqlite_uri() {
        assert_eq!(parse_url("sqlite://z.db?mode=rwc"), Ok(Some(Target::File("file:z.db?mode=rwc".into()))));
    }

    #[test]
    fn a_url_without_a_path_is_refused() {
        assert!(parse_url("sqlite://").is_err());
    }
}
