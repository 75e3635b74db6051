use std::sync::Arc;

use zonmart_domain::{EventFilter, FeedPosition, Scope};
use zonmart_ports::{FeedPage, MockEventStore};

use super::*;
use crate::test_support::{admin, clock_at, customer, t0};

fn service(store: MockEventStore) -> EventService {
    EventService::new(Arc::new(store), clock_at(t0()))
}

fn empty_page() -> FeedPage {
    FeedPage { events: vec![], next: FeedPosition { group: 3, seq: 9 } }
}

#[tokio::test]
async fn an_admin_reads_the_feed_from_the_start_without_a_cursor() {
    let mut store = MockEventStore::new();
    store
        .expect_feed()
        .withf(|after, _, limit| *after == FeedPosition::START && *limit == 100)
        .returning(|_, _, _| Ok(empty_page()));
    let page = service(store).feed(&admin(1), None, &EventFilter::All, FeedLimit::default()).await.unwrap();
    assert_eq!(page.next, FeedPosition { group: 3, seq: 9 });
}

#[tokio::test]
async fn a_customer_may_not_read_the_feed() {
    let err = service(MockEventStore::new()).feed(&customer(1), None, &EventFilter::All, FeedLimit::default()).await;
    assert!(matches!(err, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_service_needs_events_read() {
    let reader = Actor::service(ulid::Ulid::from_parts(5, 5), [Scope::EventsRead].into_iter().collect());
    let other = Actor::service(ulid::Ulid::from_parts(6, 6), [Scope::OrdersRead].into_iter().collect());
    let mut store = MockEventStore::new();
    store.expect_feed().times(1).returning(|_, _, _| Ok(empty_page()));
    let events = service(store);
    assert!(events.feed(&reader, None, &EventFilter::All, FeedLimit::default()).await.is_ok());
    let refused = events.feed(&other, None, &EventFilter::All, FeedLimit::default()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn events_older_than_seven_days_are_purged() {
    let mut store = MockEventStore::new();
    store.expect_purge_before().withf(|before| *before == t0() - chrono::Duration::days(7)).returning(|_| Ok(4));
    assert_eq!(service(store).purge_expired().await, Ok(4));
}

#[test]
fn the_feed_limit_is_1_to_1000() {
    assert!(FeedLimit::new(0).is_err());
    assert!(FeedLimit::new(1001).is_err());
    assert_eq!(FeedLimit::new(1000).map(FeedLimit::get), Ok(1000));
}
