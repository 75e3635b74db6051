//! Read routing: public catalog reads go to a fresh replica, everything else
//! to the primary; a replica that is down is skipped.
//!
//! The replicas here are stand-ins on the test server: other test schemas
//! (so a test can tell who answered) and addresses where nothing listens.
//! Lag is measured on positions in the WAL, which a stand-in shares with its
//! primary; the lag rule itself is unit-tested in `db::replicas`, and a real
//! lagging replica is exercised by `scripts/cluster-test.sh`.

mod support;

use std::time::Duration;

use zonmart_adapters::testing::TestDatabase;
use zonmart_adapters::{Database, ReplicaOptions, SqlProductRepository};
use zonmart_domain::PageRequest;
use zonmart_ports::{ProductFilter, ProductRepository, ProductSort};

use support::Products;

const OPTIONS: ReplicaOptions = ReplicaOptions { max_lag: Duration::from_millis(200) };

/// Waits (bounded) until the watcher has judged every replica: `usable` of
/// them serve reads.
async fn settled(db: &Database, usable: usize) {
    let judged = async {
        loop {
            let status = db.replica_status();
            let serving = status.iter().filter(|r| r.usable).count();
            if serving == usable && status.iter().filter(|r| !r.usable).all(|r| r.lag.is_none()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), judged)
        .await
        .unwrap_or_else(|_| panic!("replicas never settled: {:?}", db.replica_status()));
}

async fn listed_names(repo: &SqlProductRepository) -> Vec<String> {
    let page = repo.list(&ProductFilter::default(), ProductSort::NameAscending, PageRequest::default()).await.unwrap();
    page.items.into_iter().map(|p| p.name.as_str().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_reads_go_to_a_fresh_replica_and_checks_before_writes_to_the_primary() {
    let (Some(primary), Some(replica)) = (TestDatabase::postgres().await, TestDatabase::postgres().await) else {
        return;
    };
    let db = primary.database_with_replicas(&[&replica], 0, OPTIONS);
    let routed = SqlProductRepository::new(db.clone());
    let on_replica_only = SqlProductRepository::new(replica.database());
    let products = Products::new();
    let (primary_product, replica_product) = (products.product("primary", 100, 1), products.product("replica", 100, 1));
    routed.insert(&primary_product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    on_replica_only.insert(&replica_product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    settled(&db, 1).await;

    assert_eq!(listed_names(&routed).await, ["replica"], "the listing comes from the replica");
    assert!(routed.find_for_display(replica_product.id).await.unwrap().is_some(), "display reads the replica");
    assert_eq!(routed.find(replica_product.id).await.unwrap(), None, "`find` reads the primary only");
    assert_eq!(
        routed.find_for_display(primary_product.id).await.unwrap().map(|p| p.id),
        Some(primary_product.id),
        "a product the replica lacks is looked up on the primary before it counts as absent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_replica_is_skipped_and_reads_fall_back_to_the_primary() {
    let Some(primary) = TestDatabase::postgres().await else { return };
    let db = primary.database_with_replicas(&[], 2, OPTIONS);
    let routed = SqlProductRepository::new(db.clone());
    routed
        .insert(&Products::new().product("teapot", 100, 1), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    settled(&db, 0).await;

    assert_eq!(listed_names(&routed).await, ["teapot"]);
    assert!(db.replica_status().iter().all(|r| !r.usable && r.lag.is_none()), "{:?}", db.replica_status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_replicas_take_turns_and_a_down_one_is_left_out() {
    let (Some(primary), Some(first), Some(second)) =
        (TestDatabase::postgres().await, TestDatabase::postgres().await, TestDatabase::postgres().await)
    else {
        return;
    };
    let db = primary.database_with_replicas(&[&first, &second], 1, OPTIONS);
    let products = Products::new();
    SqlProductRepository::new(first.database())
        .insert(&products.product("first", 100, 1), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    SqlProductRepository::new(second.database())
        .insert(&products.product("second", 100, 1), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    settled(&db, 2).await;

    let routed = SqlProductRepository::new(db);
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.extend(listed_names(&routed).await);
    }
    answers.sort();
    assert_eq!(answers, ["first", "first", "second", "second"]);
}

#[tokio::test]
async fn replicas_need_a_postgres_primary() {
    let refused = Database::connect_with_replicas(
        "sqlite::memory:",
        &["postgres://127.0.0.1:1/x".to_owned()],
        Default::default(),
        OPTIONS,
    )
    .await;
    assert!(refused.is_err());
}
