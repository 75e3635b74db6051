//! Fresh, migrated databases for tests (feature `test-support`), one per
//! test, so tests run in parallel without seeing each other's rows.
//!
//! PostgreSQL tests need `ZONMART_TEST_DATABASE_URL`. Without it they are
//! skipped with a notice, except under `CI=true`, where a missing database
//! fails the test: CI must not pass by testing nothing.

use std::path::PathBuf;

use diesel_async::RunQueryDsl;
use ulid::Ulid;

use crate::db::{postgres, Database, PoolOptions, ReplicaOptions};

/// The variable naming the PostgreSQL database tests may use.
pub use crate::db::postgres::TEST_DATABASE_URL_VAR;

/// One column as the database describes it ([`TestDatabase::columns`]).
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct StoredColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub column_name: String,
    /// Lower-case, as the backend names it (`bigint`, `text`, `timestamp
    /// without time zone`; SQLite: the declared type).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub data_type: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub not_null: bool,
}

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase {
    database: Database,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    Directory(PathBuf),
    Schema { config: Box<tokio_postgres::Config>, schema: String },
}

impl TestDatabase {
    /// A migrated in-memory SQLite store (one connection).
    pub async fn sqlite() -> TestDatabase {
        let database = Database::connect("sqlite::memory:", PoolOptions::default())
            .await
            .unwrap_or_else(|e| panic!("cannot open an in-memory SQLite store: {e}"));
        migrate(&database).await;
        TestDatabase { database, cleanup: Cleanup::Nothing }
    }

    /// A migrated SQLite file in a fresh temporary directory, with a pool of
    /// `max_size` connections: for tests of real concurrency.
    pub async fn sqlite_file(max_size: usize) -> TestDatabase {
        let dir = std::env::temp_dir().join(format!("zonmart-test-{}", Ulid::generate()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let url = format!("sqlite://{}", dir.join("zonmart.db").display());
        let options = PoolOptions { max_size: Some(max_size), ..PoolOptions::default() };
        let database =
            Database::connect(&url, options).await.unwrap_or_else(|e| panic!("cannot open SQLite store {url}: {e}"));
        let test_database = TestDatabase { database, cleanup: Cleanup::Directory(dir) };
        migrate(&test_database.database).await;
        test_database
    }

    /// A migrated PostgreSQL schema of its own (`t_<ulid>`) in the database
    /// named by `ZONMART_TEST_DATABASE_URL`, dropped with this value; `None`
    /// (with a notice) when the variable is unset outside CI.
    pub async fn postgres() -> Option<TestDatabase> {
        let url = postgres::test_database_url()?;
        let options = PoolOptions { max_size: Some(8), ..PoolOptions::default() };
        let base = postgres::parse_url(&url, options.connect_timeout)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL_VAR} is not a usable URL: {e}"));
        let schema = format!("t_{}", Ulid::generate().to_string().to_lowercase());
        let mut admin = postgres::establish(&base)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the database in {TEST_DATABASE_URL_VAR}: {e}"));
        diesel::sql_query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test schema {schema}: {e}"));
        drop(admin);

        // Every pooled connection starts with the test's schema as its only
        // search path, so the unqualified table names land there.
        let mut config = base.clone();
        // A transaction a finished test left open (a background task
        // dropped mid-way) is ended by the server after 30 s, so it cannot
        // hold back other tests' event feeds (their visibility horizon is
        // the cluster's oldest transaction).
        let search_path = format!("-csearch_path={schema} -cidle_in_transaction_session_timeout=30000");
        config.options(match base.get_options() {
            Some(existing) => format!("{existing} {search_path}"),
            None => search_path,
        });
        // Named after the schema, so the clean-up finds what a test left open.
        config.application_name(&schema);
        let database = Database::connect_postgres(config, options)
            .unwrap_or_else(|e| panic!("cannot build a pool for test schema {schema}: {e}"));
        let test_database = TestDatabase { database, cleanup: Cleanup::Schema { config: Box::new(base), schema } };
        migrate(&test_database.database).await;
        Some(test_database)
    }

    /// A URL another process (the `zonmart` binary) can open this test's
    /// store with: the SQLite file, or the PostgreSQL database with the
    /// test's schema as its search path. `None` for an in-memory store.
    pub fn url(&self) -> Option<String> {
        match &self.cleanup {
            Cleanup::Nothing => None,
            Cleanup::Directory(dir) => Some(format!("sqlite://{}", dir.join("zonmart.db").display())),
            Cleanup::Schema { schema, .. } => {
                let base = std::env::var(TEST_DATABASE_URL_VAR).ok()?;
                let search_path = format!("-csearch_path%3D{schema}");
                // Options the URL already has (Citus's shard count) are kept.
                if base.contains("options=") {
                    let base = base.replacen("options=", &format!("options={search_path}%20"), 1);
                    return Some(format!("{base}&application_name={schema}"));
                }
                let separator = if base.contains('?') { '&' } else { '?' };
                Some(format!("{base}{separator}options={search_path}&application_name={schema}"))
            }
        }
    }

    /// A handle to this test's store.
    pub fn database(&self) -> Database {
        self.database.clone()
    }

    /// Runs `sql` (statements separated by `;`) on this test's store: for
    /// fixtures too large to write row by row.
    pub async fn execute(&self, sql: &str) {
        let sql = sql.to_owned();
        let done: Result<(), zonmart_ports::RepoError> = crate::db::with_conn!(self.database, |conn| {
            diesel_async::SimpleAsyncConnection::batch_execute(conn, &sql).await
        });
        done.unwrap_or_else(|e| panic!("test fixture SQL failed: {e}"));
    }

    /// Every column of every table of this test's store, as the database
    /// itself describes it (`information_schema` on PostgreSQL,
    /// `pragma_table_info` on SQLite), sorted by table and column.
    pub async fn columns(&self) -> Vec<StoredColumn> {
        let sql = match self.database.backend_name() {
            "postgres" => {
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                        data_type::text AS data_type, is_nullable = 'NO' AS not_null \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 ORDER BY table_name, column_name"
            }
            _ => {
                "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS data_type, \
                        (p.\"notnull\" = 1) AS not_null \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' ORDER BY m.name, p.name"
            }
        };
        let found: Result<Vec<StoredColumn>, zonmart_ports::RepoError> =
            crate::db::with_conn!(self.database, |conn| { diesel::sql_query(sql).load::<StoredColumn>(conn).await });
        found.unwrap_or_else(|e| panic!("reading the stored schema failed: {e}"))
    }

    /// How Citus placed each table of this test's schema, sorted by table:
    /// `distributed by <column>`, `reference` or `local`. `None` when the
    /// store is not PostgreSQL with the citus extension.
    pub async fn citus_placements(&self) -> Option<Vec<(String, String)>> {
        #[derive(diesel::QueryableByName)]
        struct Placement {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table_name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            placement: String,
        }
        if self.database.backend_name() != "postgres" {
            return None;
        }
        let citus: Result<Vec<StoredColumn>, zonmart_ports::RepoError> = crate::db::with_conn!(self.database, |conn| {
            diesel::sql_query(
                "SELECT extname::text AS table_name, '' AS column_name, '' AS data_type, true AS not_null \
                 FROM pg_extension WHERE extname = 'citus'",
            )
            .load::<StoredColumn>(conn)
            .await
        });
        if citus.unwrap_or_else(|e| panic!("reading the extensions failed: {e}")).is_empty() {
            return None;
        }
        let found: Result<Vec<Placement>, zonmart_ports::RepoError> = crate::db::with_conn!(self.database, |conn| {
            diesel::sql_query(
                "SELECT c.relname::text AS table_name, \
                        CASE WHEN p.partmethod = 'h' \
                             THEN 'distributed by ' || column_to_column_name(p.logicalrelid, p.partkey) \
                             WHEN p.repmodel = 't' THEN 'reference' ELSE 'local' END AS placement \
                 FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
                 WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1",
            )
            .load::<Placement>(conn)
            .await
        });
        let found = found.unwrap_or_else(|e| panic!("reading Citus's placements failed: {e}"));
        Some(found.into_iter().map(|p| (p.table_name, p.placement)).collect())
    }

    /// Where this test's PostgreSQL server listens (TCP host and port).
    pub fn postgres_address(&self) -> Option<std::net::SocketAddr> {
        let Cleanup::Schema { config, .. } = &self.cleanup else { return None };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        config.get_hosts().iter().find_map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => {
                std::net::ToSocketAddrs::to_socket_addrs(&(name.as_str(), port)).ok()?.next()
            }
            #[allow(unreachable_patterns)]
            _ => None,
        })
    }

    /// A second handle to this test's PostgreSQL schema that connects through
    /// `addr` (a proxy a test can cut); panics for other stores.
    pub fn database_via(&self, addr: std::net::SocketAddr) -> Database {
        let Cleanup::Schema { config, schema } = &self.cleanup else {
            panic!("database_via needs a PostgreSQL test database");
        };
        // Only the proxy's address, the same user, database and schema.
        let mut via = tokio_postgres::Config::new();
        via.host(addr.ip().to_string())
            .port(addr.port())
            .user(config.get_user().unwrap_or("postgres"))
            .dbname(config.get_dbname().unwrap_or("postgres"))
            .options(format!("-csearch_path={schema}"))
            .application_name(schema)
            .connect_timeout(std::time::Duration::from_secs(2));
        if let Some(password) = config.get_password() {
            via.password(password);
        }
        let options = PoolOptions { max_size: Some(8), ..PoolOptions::default() };
        Database::connect_postgres(via, options).unwrap_or_else(|e| panic!("cannot build a pool via {addr}: {e}"))
    }
}

impl TestDatabase {
    /// A handle whose primary is this test's PostgreSQL schema and whose read
    /// replicas are stand-ins: the schemas of `schemas` (other test
    /// databases on the same server, so a test can tell which one answered)
    /// and `unreachable` addresses where nothing listens. Panics for other
    /// stores. Needs a Tokio runtime (the replica watcher).
    pub fn database_with_replicas(
        &self,
        schemas: &[&TestDatabase],
        unreachable: usize,
        options: ReplicaOptions,
    ) -> Database {
        let with_schema = |test: &TestDatabase| {
            let Cleanup::Schema { config, schema } = &test.cleanup else {
                panic!("database_with_replicas needs PostgreSQL test databases");
            };
            let mut config = (**config).clone();
            let search_path = format!("-csearch_path={schema}");
            let options = config.get_options().map_or(search_path.clone(), |o| format!("{o} {search_path}"));
            config.options(options);
            config.application_name(schema);
            config
        };
        let mut replicas: Vec<tokio_postgres::Config> = schemas.iter().map(|test| with_schema(test)).collect();
        for _ in 0..unreachable {
            // A port of our own that we close again: nothing listens there.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .unwrap_or_else(|e| panic!("cannot find a free port: {e}"));
            let mut down = tokio_postgres::Config::new();
            down.host("127.0.0.1").port(port).user("postgres").connect_timeout(std::time::Duration::from_millis(500));
            replicas.push(down);
        }
        let pool = PoolOptions { max_size: Some(8), ..PoolOptions::default() };
        Database::connect_postgres_with_replicas(with_schema(self), replicas, pool, options)
            .unwrap_or_else(|e| panic!("cannot build pools with replicas: {e}"))
    }
}

async fn migrate(database: &Database) {
    database
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate the test {} store: {e}", database.backend_name()));
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.cleanup, Cleanup::Nothing) {
            Cleanup::Nothing => {}
            // Open connections do not stop the removal on Unix; the files go
            // when the pool closes them.
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            // Drop runs in sync code, often on a runtime's thread where one
            // cannot block on a future: a thread with its own small runtime
            // does the work. Failing to clean up never fails the test.
            Cleanup::Schema { config, schema } => {
                let dropper = std::thread::spawn(move || drop_schema(*config, schema));
                let _ = dropper.join();
            }
        }
    }
}

fn drop_schema(config: tokio_postgres::Config, schema: String) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("cannot drop test schema {schema}: no runtime");
        return;
    };
    runtime.block_on(async {
        let dropped = match postgres::establish(&config).await {
            Ok(mut conn) => {
                // A test's connections may outlive it mid-transaction (a
                // background task dropped with its runtime, or one that is
                // never polled again because this drop blocks its thread):
                // their locks would make the DROP wait for ever. The test is
                // over, so its sessions go first.
                let terminate = format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = '{schema}' AND pid <> pg_backend_pid()"
                );
                let _ = diesel::sql_query(terminate).execute(&mut conn).await;
                let _ = diesel::sql_query("SET lock_timeout = '10s'").execute(&mut conn).await;
                diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = dropped {
            eprintln!("cannot drop test schema {schema}: {e}");
        }
    });
}

/// Events for repository tests, whose data is just the resource's id.
pub mod events {
    use std::sync::Arc;

    use chrono::{SubsecRound, Utc};
    use ulid::Ulid;
    use zonmart_domain::{AttentionReason, Event, EventId, EventType, Order, Product, User, Version};
    use zonmart_ports::{OrderEventDraft, ResourceJson};

    /// `{"id": "<the resource's id>"}`.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct IdOnly;

    impl ResourceJson for IdOnly {
        fn order(&self, order: &Order) -> String {
            format!(r#"{{"id":"{}"}}"#, order.id)
        }
        fn order_needing_attention(&self, order: &Order, reason: AttentionReason) -> String {
            format!(r#"{{"id":"{}","reason":"{reason}"}}"#, order.id)
        }
        fn product(&self, product: &Product) -> String {
            format!(r#"{{"id":"{}"}}"#, product.id)
        }
        fn user(&self, user: &User) -> String {
            format!(r#"{{"id":"{}"}}"#, user.id)
        }
    }

    /// A `kind` event about resource `id` at `version`, with a fresh id.
    pub fn event_about(kind: EventType, id: Ulid, version: Version) -> Event {
        // Microseconds: what both databases keep.
        let now = Utc::now().trunc_subsecs(6);
        Event::new(EventId::from_ulid(Ulid::generate()), kind, (id, version), format!(r#"{{"id":"{id}"}}"#), now)
    }

    /// Some event, when a test does not look at it.
    pub fn any_event() -> Event {
        event_about(EventType::ProductUpdated, Ulid::generate(), Version::INITIAL)
    }

    /// The `order.placed` an order placement completes.
    pub fn order_placed() -> OrderEventDraft {
        OrderEventDraft {
            id: EventId::from_ulid(Ulid::generate()),
            kind: EventType::OrderPlaced,
            at: Utc::now(),
            json: Arc::new(IdOnly),
        }
    }
}
