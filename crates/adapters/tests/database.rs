//! The database handle: migrations, health, concurrency, failure modes.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use zonmart_adapters::testing::TestDatabase;
use zonmart_adapters::{Database, DbError, PoolOptions, SqlUserRepository};
use zonmart_ports::{RepoError, StoreHealth, UserRepository};

use support::{renamed, version, Users};

on_each_backend!(migrating_again_is_harmless, a_migrated_store_answers_a_ping);

async fn migrating_again_is_harmless(db: Database) {
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    let repo = SqlUserRepository::new(db);
    repo.insert(&Users::new().customer("alice", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
}

async fn a_migrated_store_answers_a_ping(db: Database) {
    db.ping().await.unwrap();
}

/// Of twenty writers holding version 1, exactly one may win.
async fn twenty_concurrent_updates_from_one_version_let_exactly_one_through(db: Database) {
    let repo = Arc::new(SqlUserRepository::new(db));
    let user = Users::new().customer("alice", None);
    repo.insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();

    let mut writers = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (repo, change) = (Arc::clone(&repo), renamed(&user, &format!("alice-{n}")));
        writers.spawn(async move { repo.update(&change, version(1)).await });
    }
    let results = writers.join_all().await;

    let won = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| **r == Err(RepoError::VersionConflict { current: version(2) })).count();
    assert_eq!((won, conflicts), (1, 19), "{results:?}");
    assert_eq!(repo.find(user.id).await.unwrap().unwrap().version, version(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_twenty_concurrent_updates_from_one_version_let_exactly_one_through() {
    // A file and several connections: an in-memory store has one connection
    // and would serialise the writers before the database saw them.
    let db = TestDatabase::sqlite_file(4).await;
    twenty_concurrent_updates_from_one_version_let_exactly_one_through(db.database()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_twenty_concurrent_updates_from_one_version_let_exactly_one_through() {
    let Some(db) = TestDatabase::postgres().await else { return };
    twenty_concurrent_updates_from_one_version_let_exactly_one_through(db.database()).await;
}

/// On a Citus coordinator, migrating also distributes the schema
/// (`migrations/citus/distribute.sql`); on plain PostgreSQL it changes nothing.
#[tokio::test]
async fn postgres_is_sharded_exactly_when_the_database_has_citus() {
    let Some(test) = TestDatabase::postgres().await else { return };
    let db = test.database();
    let Some(placements) = test.citus_placements().await else {
        assert!(!db.is_sharded());
        return;
    };
    assert!(db.is_sharded());
    let placement = |table: &str| {
        placements.iter().find(|(name, _)| name == table).map(|(_, how)| how.as_str()).unwrap_or("plain local")
    };
    assert_eq!(placement("products"), "distributed by id");
    assert_eq!(placement("product_skus"), "distributed by sku");
    assert_eq!(placement("orders"), "distributed by id");
    assert_eq!(placement("order_items"), "distributed by order_id");
    assert_eq!(placement("idempotency_keys"), "distributed by user_id");
    assert_eq!(placement("users"), "reference");
    assert_eq!(placement("discount_codes"), "reference");
    assert_eq!(placement("carts"), "local");
    assert_eq!(placement("events"), "plain local");
    // Distributing again finds everything in place.
    db.migrate().await.unwrap();
    assert_eq!(test.citus_placements().await, Some(placements.clone()));
}

/// actix-web's tests and workers run on current-thread runtimes, where
/// `block_in_place` panics: migrations must not need it.
#[tokio::test(flavor = "current_thread")]
async fn migrations_run_on_a_current_thread_runtime() {
    let memory = TestDatabase::sqlite().await;
    let file = TestDatabase::sqlite_file(2).await;
    let postgres = TestDatabase::postgres().await;
    for db in [Some(&memory), Some(&file), postgres.as_ref()].into_iter().flatten() {
        let db = db.database();
        db.migrate().await.unwrap();
        let repo = SqlUserRepository::new(db.clone());
        repo.insert(&Users::new().customer("alice", None), &zonmart_adapters::testing::events::any_event())
            .await
            .unwrap();
        db.ping().await.unwrap();
    }
}

/// A SQLite file of one test's own (its one writer connection, one reader)
/// and a plain connection that can hold the write lock, as another process
/// on the same file would.
struct LockableSqlite {
    dir: std::path::PathBuf,
    db: Database,
    blocker: diesel::SqliteConnection,
}

impl LockableSqlite {
    async fn new(wait_timeout: Duration) -> Self {
        use diesel::Connection;
        let dir = std::env::temp_dir().join(format!("zonmart-lock-{}", ulid::Ulid::generate()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("zonmart.db");
        let options = PoolOptions { max_size: Some(1), wait_timeout, ..PoolOptions::default() };
        let db = Database::connect(&format!("sqlite://{}", path.display()), options).await.unwrap();
        db.migrate().await.unwrap();
        let blocker = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        Self { dir, db, blocker }
    }

    fn lock(&mut self) {
        diesel::connection::SimpleConnection::batch_execute(&mut self.blocker, "BEGIN IMMEDIATE").unwrap();
    }

    fn unlock(&mut self) {
        diesel::connection::SimpleConnection::batch_execute(&mut self.blocker, "ROLLBACK").unwrap();
    }
}

impl Drop for LockableSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A caller may give up (a client hangs up, a timeout fires) while SQLite
/// works on a blocking thread. The statement must run to its end, and the
/// current-thread runtime must not panic (diesel-async's SQLite wrapper
/// blocks in `block_in_place` when its future is dropped mid-call).
#[tokio::test(flavor = "current_thread")]
async fn a_sqlite_write_abandoned_by_its_caller_still_completes() {
    let mut store = LockableSqlite::new(Duration::from_secs(5)).await;
    let repo = SqlUserRepository::new(store.db.clone());
    let alice = Users::new().customer("alice", None);

    store.lock();
    let abandoned = tokio::time::timeout(
        Duration::from_millis(100),
        repo.insert(&alice, &zonmart_adapters::testing::events::any_event()),
    )
    .await;
    assert!(abandoned.is_err(), "the insert should still be waiting for the lock");
    store.unlock();

    // The one writer connection is free only once the abandoned insert ends:
    // the next write queues behind it, and then alice is there.
    repo.insert(&Users::new().customer("bob", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    assert_eq!(repo.find_by_login("alice").await.unwrap().map(|u| u.id), Some(alice.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_too_long_for_the_sqlite_writer_is_unavailable_and_reads_go_on() {
    let mut store = LockableSqlite::new(Duration::from_millis(100)).await;
    let repo = Arc::new(SqlUserRepository::new(store.db.clone()));

    store.lock();
    let writer = {
        let repo = Arc::clone(&repo);
        tokio::spawn(async move {
            repo.insert(&Users::new().customer("alice", None), &zonmart_adapters::testing::events::any_event()).await
        })
    };
    // The writer may not have taken the one writer connection yet: wait
    // until it has, then queue a second write behind it.
    let taken = async {
        while store.db.writer_status().is_some_and(|writer| writer.size == 0 || writer.available > 0) {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), taken).await.expect("the writer never took the connection");
    let waiting =
        repo.insert(&Users::new().customer("bob", None), &zonmart_adapters::testing::events::any_event()).await;
    // Reads do not queue behind writes.
    assert_eq!(repo.find_by_login("alice").await.unwrap(), None);
    store.unlock();

    assert!(matches!(waiting, Err(RepoError::Unavailable(_))), "{waiting:?}");
    writer.await.unwrap().unwrap();
}

#[tokio::test]
async fn only_postgres_and_sqlite_urls_are_accepted() {
    let options = PoolOptions::default();
    assert_eq!(Database::connect("mysql://localhost/db", options).await.err(), Some(DbError::UnsupportedUrl));
    assert!(matches!(Database::connect("sqlite://", options).await, Err(DbError::InvalidUrl(_))));
    assert!(matches!(Database::connect("postgres://host:notaport/db", options).await, Err(DbError::InvalidUrl(_))));
}

#[tokio::test]
async fn the_backend_is_named_for_logs() {
    let db = TestDatabase::sqlite().await;
    assert_eq!(db.database().backend_name(), "sqlite");
    let pg = Database::connect("postgres://postgres@127.0.0.1:1/none", PoolOptions::default()).await.unwrap();
    assert_eq!(pg.backend_name(), "postgres");
}

#[tokio::test]
async fn an_unreachable_postgres_is_unavailable_promptly() {
    let options = PoolOptions { connect_timeout: Duration::from_millis(300), ..PoolOptions::default() };
    // Port 1 refuses at once; 10.255.255.1 drops packets, so only the
    // connect timeout ends the attempt.
    for url in ["postgres://postgres@127.0.0.1:1/none", "postgres://postgres@10.255.255.1:5432/none"] {
        let db = Database::connect(url, options).await.unwrap();
        let started = Instant::now();
        assert!(matches!(db.ping().await, Err(RepoError::Unavailable(_))), "{url}");
        assert!(matches!(db.migrate().await, Err(DbError::Unavailable(_))), "{url}");
        let repo = SqlUserRepository::new(db);
        assert!(matches!(repo.find_by_login("alice").await, Err(RepoError::Unavailable(_))), "{url}");
        assert!(started.elapsed() < Duration::from_secs(5), "{url} took {:?}", started.elapsed());
    }
}
