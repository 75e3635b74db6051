//! The outbox: each change's event commits with it (and only then), and the
//! feed hands out every event once, oldest first. SQLite and PostgreSQL.

mod support;

use zonmart_adapters::testing::events::{any_event, event_about};
use zonmart_adapters::{Database, SqlEventStore, SqlProductRepository};
use zonmart_domain::{EventFilter, EventType, FeedPosition, OrderStatus, Version};
use zonmart_ports::{EventStore, OrderRepository, ProductRepository, RepoError};

use support::shop::{items, moved, Shop};
use support::{version, Products};

on_each_backend!(
    a_created_product_writes_its_event,
    a_refused_insert_writes_no_event,
    a_stale_update_writes_no_event,
    a_placed_order_writes_order_placed_with_its_version,
    a_refused_order_writes_no_event,
    a_status_change_writes_its_event,
    following_the_cursors_yields_every_event_once_oldest_first,
    the_type_filter_keeps_only_the_types_asked_for,
    purging_removes_only_old_events,
);

/// The feed from the start once `count` events are visible. On PostgreSQL
/// an event shows once no transaction older than its own still runs (any
/// test's, in the whole cluster), so this waits for that, bounded.
async fn everything(db: &Database, count: usize) -> Vec<zonmart_domain::Event> {
    let store = SqlEventStore::new(db.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = store.feed(FeedPosition::START, &EventFilter::All, 1000).await.unwrap();
        if page.events.len() >= count || std::time::Instant::now() > deadline {
            let events: Vec<_> = page.events.into_iter().map(|(_, event)| event).collect();
            assert_eq!(events.len(), count, "{events:?}");
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn a_created_product_writes_its_event(db: Database) {
    let product = Products::new().product("Teapot", 100, 1);
    let event = event_about(EventType::ProductCreated, product.id.ulid(), product.version);
    SqlProductRepository::new(db.clone()).insert(&product, &event).await.unwrap();
    assert_eq!(everything(&db, 1).await, [event]);
}

async fn a_refused_insert_writes_no_event(db: Database) {
    let (made, repo) = (Products::new(), SqlProductRepository::new(db.clone()));
    repo.insert(&made.with_sku("Teapot", "TEA-1"), &any_event()).await.unwrap();
    let taken = repo.insert(&made.with_sku("Kettle", "TEA-1"), &any_event()).await;
    assert!(matches!(taken, Err(RepoError::Duplicate { .. })));
    everything(&db, 1).await;
}

async fn a_stale_update_writes_no_event(db: Database) {
    let (made, repo) = (Products::new(), SqlProductRepository::new(db.clone()));
    let product = made.product("Teapot", 100, 1);
    repo.insert(&product, &any_event()).await.unwrap();
    let stale = repo.update(&product, version(7), &any_event()).await;
    assert!(matches!(stale, Err(RepoError::VersionConflict { .. })));
    everything(&db, 1).await;
}

async fn a_placed_order_writes_order_placed_with_its_version(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 5).await;
    // The customer's user.registered and the product's product.created.
    let order = shop.place(items(&[(&teapot, 2)])).await.unwrap();
    let events = everything(&db, 3).await;
    let placed = events.last().unwrap();
    assert_eq!(placed.kind, EventType::OrderPlaced);
    assert_eq!((placed.resource.id, placed.resource.version), (order.id.ulid(), Version::INITIAL));
    assert_eq!(placed.data, format!(r#"{{"id":"{}"}}"#, order.id));
}

async fn a_refused_order_writes_no_event(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 1).await;
    assert!(shop.place(items(&[(&teapot, 2)])).await.is_err());
    everything(&db, 2).await;
}

async fn a_status_change_writes_its_event(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 5).await;
    let order = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    let paid = moved(&order, OrderStatus::Paid);
    let event = event_about(EventType::OrderPaid, order.id.ulid(), paid.version);
    shop.orders.update_status(&paid, order.version, false, &event).await.unwrap();
    assert_eq!(everything(&db, 4).await.last(), Some(&event));
    // A stale one writes nothing.
    let again = shop.orders.update_status(&paid, order.version, false, &any_event()).await;
    assert!(matches!(again, Err(RepoError::VersionConflict { .. })));
    assert_eq!(everything(&db, 4).await.last(), Some(&event));
}

async fn following_the_cursors_yields_every_event_once_oldest_first(db: Database) {
    let (made, repo) = (Products::new(), SqlProductRepository::new(db.clone()));
    let mut written = Vec::new();
    for n in 0..7 {
        let product = made.product(&format!("P{n}"), 100, 1);
        let event = event_about(EventType::ProductCreated, product.id.ulid(), product.version);
        repo.insert(&product, &event).await.unwrap();
        written.push(event);
    }
    everything(&db, 7).await;
    let store = SqlEventStore::new(db.clone());
    let (mut seen, mut at) = (Vec::new(), FeedPosition::START);
    loop {
        let page = store.feed(at, &EventFilter::All, 3).await.unwrap();
        assert!(page.next >= at);
        if page.events.is_empty() {
            assert_eq!(page.next, at, "caught up: the same cursor again");
            break;
        }
        seen.extend(page.events.into_iter().map(|(_, e)| e));
        at = page.next;
    }
    assert_eq!(seen, written);
}

async fn the_type_filter_keeps_only_the_types_asked_for(db: Database) {
    let (made, repo) = (Products::new(), SqlProductRepository::new(db.clone()));
    let product = made.product("Teapot", 100, 1);
    repo.insert(&product, &event_about(EventType::ProductCreated, product.id.ulid(), product.version)).await.unwrap();
    let archived = zonmart_domain::Product { archived: true, version: version(2), ..product.clone() };
    let event = event_about(EventType::ProductArchived, product.id.ulid(), archived.version);
    repo.update(&archived, version(1), &event).await.unwrap();
    everything(&db, 2).await;
    let only = EventFilter::Only(vec![EventType::ProductArchived, EventType::OrderPaid]);
    let page = SqlEventStore::new(db.clone()).feed(FeedPosition::START, &only, 10).await.unwrap();
    let kinds: Vec<_> = page.events.iter().map(|(_, e)| e.kind).collect();
    assert_eq!(kinds, [EventType::ProductArchived]);
}

async fn purging_removes_only_old_events(db: Database) {
    let repo = SqlProductRepository::new(db.clone());
    let made = Products::new();
    let mut old = any_event();
    old.created_at = chrono::Utc::now() - chrono::Duration::days(8);
    repo.insert(&made.product("Old", 1, 1), &old).await.unwrap();
    repo.insert(&made.product("New", 1, 1), &any_event()).await.unwrap();
    let purged =
        SqlEventStore::new(db.clone()).purge_before(chrono::Utc::now() - chrono::Duration::days(7)).await.unwrap();
    assert_eq!(purged, 1);
    everything(&db, 1).await;
}
