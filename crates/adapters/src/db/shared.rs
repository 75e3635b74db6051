//! Shared read connections: short reads of one worker pipelined on a few
//! PostgreSQL connections instead of each taking a connection of its own.
//!
//! What it buys: the product read went from 0.62 to 0.80 of pgbench, and
//! every authenticated request's user look-up rides on it (bench/changes.md,
//! `617e0e4`). Without it each such read takes a pooled connection and its
//! own round trip, and nothing else changes: the pool is the fallback.
//!
//! # Why
//!
//! A read of one row by key costs PostgreSQL little; what costs is the round
//! trip: a socket write and read on each side per statement. tokio-postgres
//! pipelines the statements of everyone holding a connection, and
//! diesel-async allows it through `&AsyncPgConnection`: the reads a worker
//! has in flight go out in one write, PostgreSQL's backend answers them from
//! one read, and the answers come back together. Under load that is a
//! fraction of the system calls and wake-ups per read, on both sides.
//!
//! # What may run here (the whole policy; `with_read_conn!` is its only door)
//!
//! One statement, outside any transaction, that reads a row (or a few) by
//! key: `ProductRepository::find` and `find_for_display`,
//! `UserRepository::find` (every authenticated request's look-up). Never a
//! write, a transaction, a `SET`, or anything else that leaves state on the
//! session; never a scan that could hold up the reads queued behind it
//! (listings stay on the pool).
//!
//! # Failures
//!
//! A connection whose driver task has ended (the server closed it, a
//! failover, a cut link) is never handed out again: reads go to the ordinary
//! pool while a replacement connects in the background (one attempt per
//! slot at a time, none within [`RECONNECT_BACKOFF`] of a failed one). A
//! read answered "unavailable" here is tried once more on the pool. A read
//! that takes longer than [`SHARED_READ_TIMEOUT`] retires its connection (a
//! silent peer: nothing more is queued behind it) and answers unavailable.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use diesel::ConnectionResult;
use diesel_async::AsyncPgConnection;
use tokio_postgres::{Config, NoTls};
use zonmart_ports::RepoError;

use super::errors::from_diesel;

/// How long a read on a shared connection may take before the connection
/// counts as stuck.
pub(crate) const SHARED_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The pause after a failed connection attempt before a slot tries again
/// (reads meanwhile use the pool, which reports the outage).
pub(crate) const RECONNECT_BACKOFF: Duration = Duration::from_secs(1);

/// One open shared connection.
pub(crate) struct SharedConnection {
    conn: AsyncPgConnection,
    /// Set when the driver task ends, or when a stuck read retires it.
    closed: Arc<AtomicBool>,
    read_timeout: Duration,
}

impl SharedConnection {
    /// The handle reads run on (`&AsyncPgConnection` pipelines).
    pub(crate) fn connection(&self) -> &AsyncPgConnection {
        &self.conn
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn retire(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Runs `read` on this connection, bounded by [`SHARED_READ_TIMEOUT`]
    /// (the set's `read_timeout`).
    pub(crate) async fn read<T>(
        &self,
        read: impl Future<Output = diesel::QueryResult<T>>,
    ) -> Result<T, SharedReadError> {
        match tokio::time::timeout(self.read_timeout, read).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => match from_diesel(error) {
                RepoError::Unavailable(reason) => {
                    tracing::debug!(%reason, "a shared read connection failed; the read goes to the pool");
                    self.retire();
                    Err(SharedReadError::UseThePool)
                }
                other => Err(SharedReadError::Failed(other)),
            },
            Err(_) => {
                tracing::warn!("a read on a shared connection took too long; retiring the connection");
                self.retire();
                Err(SharedReadError::Failed(RepoError::Unavailable("the database did not answer in time".to_owned())))
            }
        }
    }
}

/// Why a read on a shared connection gave no value.
#[derive(Debug)]
pub(crate) enum SharedReadError {
    /// The connection failed under the read (it is retired): the read goes
    /// to the pool instead.
    UseThePool,
    /// The read's own answer (or a timeout, which also retired the
    /// connection: asking again would only wait as long).
    Failed(RepoError),
}

enum Slot {
    /// No connection; the instant before which no new attempt is made.
    Empty {
        retry_after: Option<Instant>,
    },
    Connecting,
    Open(Arc<SharedConnection>),
}

/// A worker's shared read connections (possibly none).
pub(crate) struct SharedConnections {
    config: Arc<Config>,
    /// Bounds one connection attempt, start-up and authentication included.
    connect_timeout: Duration,
    /// [`SHARED_READ_TIMEOUT`], shorter in tests.
    read_timeout: Duration,
    slots: Box<[Mutex<Slot>]>,
    next: AtomicUsize,
}

impl SharedConnections {
    pub(crate) fn new(config: Arc<Config>, count: usize, connect_timeout: Duration) -> Arc<Self> {
        Self::with_read_timeout(config, count, connect_timeout, SHARED_READ_TIMEOUT)
    }

    pub(crate) fn with_read_timeout(
        config: Arc<Config>,
        count: usize,
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> Arc<Self> {
        let slots = (0..count).map(|_| Mutex::new(Slot::Empty { retry_after: None })).collect();
        Arc::new(Self { config, connect_timeout, read_timeout, slots, next: AtomicUsize::new(0) })
    }

    /// How many connections this set may hold.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// How many are open now.
    pub(crate) fn open(&self) -> usize {
        self.slots.iter().filter(|slot| matches!(&*lock(slot), Slot::Open(c) if !c.is_closed())).count()
    }

    /// An open connection, taking turns; `None` sends the read to the pool.
    /// Any slot found without a connection starts opening one in the
    /// background on the calling thread's runtime (which then drives it).
    pub(crate) fn acquire(self: &Arc<Self>) -> Option<Arc<SharedConnection>> {
        let count = self.slots.len();
        if count == 0 {
            return None;
        }
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for turn in 0..count {
            let index = (first + turn) % count;
            let mut slot = lock(&self.slots[index]);
            match &*slot {
                Slot::Open(conn) if !conn.is_closed() => return Some(Arc::clone(conn)),
                Slot::Connecting => continue,
                Slot::Empty { retry_after: Some(at) } if Instant::now() < *at => continue,
                _ => {}
            }
            let Ok(runtime) = tokio::runtime::Handle::try_current() else { return None };
            *slot = Slot::Connecting;
            drop(slot);
            runtime.spawn(Attempt { set: Arc::downgrade(self), index, outcome: None }.run());
        }
        None
    }
}

/// A connection attempt for one slot: puts its outcome into the slot when
/// dropped, or empties the slot if it never got one (its task dropped
/// half-way, or never run, as its runtime shut down), so that the slot never
/// stays `Connecting` for ever.
struct Attempt {
    set: Weak<SharedConnections>,
    index: usize,
    outcome: Option<Slot>,
}

impl Attempt {
    async fn run(mut self) {
        let Some((config, timeout, read_timeout)) =
            self.set.upgrade().map(|set| (Arc::clone(&set.config), set.connect_timeout, set.read_timeout))
        else {
            return;
        };
        self.outcome = Some(match tokio::time::timeout(timeout, open(&config, read_timeout)).await {
            Ok(Ok(conn)) => Slot::Open(Arc::new(conn)),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "opening a shared read connection failed");
                Slot::Empty { retry_after: Some(Instant::now() + RECONNECT_BACKOFF) }
            }
            Err(_) => Slot::Empty { retry_after: Some(Instant::now() + RECONNECT_BACKOFF) },
        });
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(set) = self.set.upgrade() {
            *lock(&set.slots[self.index]) = self.outcome.take().unwrap_or(Slot::Empty { retry_after: None });
        }
    }
}

fn lock(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    // A slot is only ever replaced whole, so a poisoned one is still valid.
    slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sets the flag when dropped: when the driver task ends, or is dropped
/// with its runtime.
struct CloseOnDrop(Arc<AtomicBool>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

async fn open(config: &Config, read_timeout: Duration) -> ConnectionResult<SharedConnection> {
    let (client, connection) =
        config.connect(NoTls).await.map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    let closed = Arc::new(AtomicBool::new(false));
    let guard = CloseOnDrop(Arc::clone(&closed));
    tokio::spawn(async move {
        let _guard = guard;
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a shared read connection ended");
        }
    });
    let conn = AsyncPgConnection::try_from(client).await?;
    Ok(SharedConnection { conn, closed, read_timeout })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use diesel::sql_types::Integer;
    use diesel_async::RunQueryDsl;

    use super::*;
    use crate::db::postgres::{establish, parse_url, test_config};
    use crate::db::{with_read_conn, Database, PoolOptions};

    const PID: &str = "pg_backend_pid()";

    async fn backend_pid(conn: &SharedConnection) -> Result<i32, SharedReadError> {
        let mut handle = conn.connection();
        conn.read(diesel::select(diesel::dsl::sql::<Integer>(PID)).get_result::<i32>(&mut handle)).await
    }

    /// Takes connections until `count` distinct open ones were handed out
    /// (they open in the background), within a few seconds.
    async fn open_connections(set: &Arc<SharedConnections>, count: usize) -> Vec<Arc<SharedConnection>> {
        let mut found: Vec<Arc<SharedConnection>> = Vec::new();
        for _ in 0..500 {
            if let Some(conn) = set.acquire() {
                if !found.iter().any(|known| Arc::ptr_eq(known, &conn)) {
                    found.push(conn);
                }
                if found.len() == count {
                    return found;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{count} shared connections did not open (found {})", found.len());
    }

    async fn terminate(config: &Config, pids: &[i32]) {
        let mut admin = establish(config).await.unwrap();
        for pid in pids {
            diesel::sql_query(format!("SELECT pg_terminate_backend({pid})")).execute(&mut admin).await.unwrap();
        }
    }

    #[test]
    fn a_shard_sets_aside_a_few_shared_connections_within_its_size() {
        assert_eq!([1, 2, 3, 4, 5, 8, 16].map(crate::db::postgres::shared_share), [0, 0, 1, 1, 2, 2, 2]);
    }

    #[test]
    fn an_attempt_cut_short_by_its_runtime_leaves_the_slot_free() {
        // A server that accepts and then never answers the start-up.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("postgres://nobody@127.0.0.1:{}/none", silent.local_addr().unwrap().port());
        let config = parse_url(&url, Duration::from_secs(30)).unwrap();
        let set = SharedConnections::new(Arc::new(config), 1, Duration::from_secs(30));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            assert!(set.acquire().is_none());
            tokio::task::yield_now().await; // the attempt starts, and hangs
        });
        assert!(matches!(*lock(&set.slots[0]), Slot::Connecting));

        drop(runtime);

        assert!(matches!(*lock(&set.slots[0]), Slot::Empty { retry_after: None }), "the next read may try again");
    }

    #[tokio::test]
    async fn the_configured_maximum_still_holds_with_shared_connections() {
        let config = parse_url("postgres://nobody@127.0.0.1:1/none", Duration::from_secs(1)).unwrap();
        let options = PoolOptions { max_size: Some(16), worker_shards: 2, ..PoolOptions::default() };
        let db = Database::connect_postgres(config, options).unwrap();
        assert_eq!(db.pool_status().max_size, 16);
        assert_eq!(db.pool_status().size, 0, "nothing opens before it is needed");
    }

    #[tokio::test]
    async fn concurrent_reads_pipeline_on_the_shared_connections() {
        let Some(config) = test_config() else { return };
        let set = SharedConnections::new(Arc::new(config), 2, Duration::from_secs(3));
        assert!(set.acquire().is_none(), "the first read goes to the pool while the connections open");
        let shared = open_connections(&set, 2).await;
        let mut own = HashSet::new();
        for conn in &shared {
            own.insert(backend_pid(conn).await.unwrap());
        }

        // 40 reads in flight at once, each taking a connection in turn.
        let reads = (0..40).map(|_| {
            let set = Arc::clone(&set);
            async move { backend_pid(&set.acquire().expect("both connections are open")).await.unwrap() }
        });
        let pids: HashSet<i32> = futures_util::future::join_all(reads).await.into_iter().collect();

        assert_eq!(pids, own, "every read ran on one of the two shared connections");
        assert_eq!(set.open(), 2);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_is_replaced_and_the_read_goes_to_the_pool() {
        let Some(config) = test_config() else { return };
        let options = PoolOptions { max_size: Some(8), ..PoolOptions::default() };
        let db = Database::connect_postgres(config.clone(), options).unwrap();
        let crate::db::Backend::Postgres { pool, .. } = db.backend() else { unreachable!() };
        let set = Arc::clone(&pool.shards[0].shared);
        let mut dead = Vec::new();
        for conn in open_connections(&set, 2).await {
            dead.push(backend_pid(&conn).await.unwrap());
        }

        terminate(&config, &dead).await;
        // At once, before the driver tasks may have noticed.
        let read: Result<i32, RepoError> = with_read_conn!(db, |conn| {
            diesel::select(diesel::dsl::sql::<Integer>(PID)).get_result::<i32>(conn).await
        });

        let pid = read.expect("the read was answered, by the pool if not by a shared connection");
        assert!(!dead.contains(&pid));
        for conn in open_connections(&set, 2).await {
            let pid = backend_pid(&conn).await.unwrap();
            assert!(!dead.contains(&pid), "a closed connection was handed out again");
        }
    }

    #[tokio::test]
    async fn a_read_that_takes_too_long_retires_its_connection() {
        let Some(config) = test_config() else { return };
        let set = SharedConnections::with_read_timeout(
            Arc::new(config),
            1,
            Duration::from_secs(3),
            Duration::from_millis(200),
        );
        let conn = open_connections(&set, 1).await.remove(0);

        let mut handle = conn.connection();
        let stuck = conn.read(diesel::sql_query("SELECT pg_sleep(2)").execute(&mut handle)).await;

        assert!(matches!(stuck, Err(SharedReadError::Failed(RepoError::Unavailable(_)))), "{:?}", stuck.err());
        assert!(set.acquire().is_none(), "nothing more is queued behind a stuck read");
        let replacement = open_connections(&set, 1).await.remove(0);
        assert!(!Arc::ptr_eq(&conn, &replacement));
        backend_pid(&replacement).await.unwrap();
    }
}
