//! Payments on SQLite and PostgreSQL: a provider event is recorded once,
//! with its effect, and a payment racing a cancel on one order never both
//! win. Each concurrent case prints what it saw (`-- --nocapture`).

mod support;

use std::sync::Arc;

use chrono::Duration;
use zonmart_adapters::testing::events::event_about;
use zonmart_adapters::{Database, SqlEventStore, SystemClock};
use zonmart_domain::{
    AttentionReason, CancelReason, Event, EventFilter, EventType, FeedPosition, Order, OrderStatus, PaymentEffect,
    PaymentEventId, PaymentSucceeded,
};
use zonmart_ports::{Clock, EventStore, OrderRepository, PaymentRecord, PaymentWrite, Recorded, RepoError};

use support::shop::{items, moved, Shop};
use support::version;

on_each_backend!(
    a_payment_pays_the_order_with_its_event_and_a_replay_writes_nothing,
    a_payment_decided_on_a_stale_version_writes_nothing,
    a_payment_needing_attention_leaves_the_order_and_writes_its_event,
    unpaid_orders_are_listed_oldest_first_from_before_the_cutoff,
);

concurrently_on_each_backend!(
    a_payment_racing_a_cancel_never_both_win_and_the_stock_adds_up,
    the_same_event_ten_times_at_once_is_recorded_once,
);

fn evt(n: usize) -> PaymentEventId {
    PaymentEventId::parse(&format!("evt_{n}_{}", ulid::Ulid::generate())).unwrap()
}

fn payment_for(order: &Order) -> PaymentSucceeded {
    PaymentSucceeded {
        intent_id: format!("pi_{}", order.id),
        order_id: order.id,
        amount_received: order.total_cents,
        currency: order.currency.as_str().to_lowercase(),
    }
}

/// What the use case would record for `payment` on `order` as it is.
fn decided(event_id: &PaymentEventId, order: &Order, payment: &PaymentSucceeded) -> PaymentRecord {
    let now = SystemClock.now();
    let effect = match order.confirm_payment(payment, now) {
        PaymentEffect::Paid(paid) => {
            let event = event_about(EventType::OrderPaid, paid.id.ulid(), paid.version);
            PaymentWrite::Paid { order: paid, expected: order.version, event }
        }
        PaymentEffect::NeedsAttention(reason) => {
            let event = event_about(EventType::OrderPaymentNeedsAttention, order.id.ulid(), order.version);
            PaymentWrite::NeedsAttention { expected: order.version, reason, event }
        }
        PaymentEffect::AlreadyApplied => PaymentWrite::AlreadyApplied { expected: order.version },
    };
    PaymentRecord { event_id: event_id.clone(), order_id: order.id, effect, received_at: now }
}

/// Every event of these kinds, once all `at_least` of them are visible
/// (PostgreSQL shows an event once older transactions are done), bounded.
async fn events_of(db: &Database, kinds: &[EventType], at_least: usize) -> Vec<Event> {
    let store = SqlEventStore::new(db.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = store.feed(FeedPosition::START, &EventFilter::Only(kinds.to_vec()), 1000).await.unwrap();
        let events: Vec<Event> = page.events.into_iter().map(|(_, event)| event).collect();
        if events.len() >= at_least || std::time::Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn a_payment_pays_the_order_with_its_event_and_a_replay_writes_nothing(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 2)])).await.unwrap();
    let payment = payment_for(&order);
    let id = evt(1);

    let record = decided(&id, &order, &payment);
    assert_eq!(shop.orders.record_payment(&record).await, Ok(Recorded::New));
    let paid = shop.orders.find(order.id).await.unwrap().unwrap();
    let PaymentWrite::Paid { order: expected, .. } = &record.effect else { panic!("{record:?}") };
    assert_eq!(&paid, expected.as_ref(), "stored as decided: paid_at, payment_reference, version");
    assert_eq!(
        (paid.status, paid.version, paid.payment_reference.as_deref()),
        (OrderStatus::Paid, version(2), Some(payment.intent_id.as_str()))
    );

    // The same event again, decided on the order as it now is: nothing.
    let again = decided(&id, &paid, &payment);
    assert_eq!(shop.orders.record_payment(&again).await, Ok(Recorded::Replay));
    // Even if it were decided as a duplicate (another intent), a replayed id writes nothing.
    let other = PaymentSucceeded { intent_id: "pi_other".into(), ..payment.clone() };
    assert_eq!(shop.orders.record_payment(&decided(&id, &paid, &other)).await, Ok(Recorded::Replay));
    assert_eq!(shop.orders.find(order.id).await.unwrap(), Some(paid));
    let kinds = [EventType::OrderPaid, EventType::OrderPaymentNeedsAttention];
    let events = events_of(&db, &kinds, 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0].kind, events[0].resource.version), (EventType::OrderPaid, version(2)));
    assert_eq!(shop.levels(&[&teapot]).await, [(8, 2)], "paying moves no stock");
}

async fn a_payment_decided_on_a_stale_version_writes_nothing(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 2)])).await.unwrap();
    let id = evt(2);
    let stale = decided(&id, &order, &payment_for(&order));

    let cancelled = moved(&order, OrderStatus::Cancelled);
    let event = event_about(EventType::OrderCancelled, order.id.ulid(), cancelled.version);
    shop.orders.update_status(&cancelled, order.version, true, &event).await.unwrap();

    assert_eq!(shop.orders.record_payment(&stale).await, Err(RepoError::VersionConflict { current: version(2) }));
    assert_eq!(shop.orders.find(order.id).await.unwrap().map(|o| o.status), Some(OrderStatus::Cancelled));
    // The refused record left its id free: decided again, it is recorded.
    let now = shop.orders.find(order.id).await.unwrap().unwrap();
    let again = decided(&id, &now, &payment_for(&order));
    assert!(matches!(again.effect, PaymentWrite::NeedsAttention { reason: AttentionReason::AfterCancel, .. }));
    assert_eq!(shop.orders.record_payment(&again).await, Ok(Recorded::New));
    assert_eq!(shop.levels(&[&teapot]).await, [(10, 3)], "only the cancel moved stock");

    let mut unknown = decided(&evt(3), &order, &payment_for(&order));
    unknown.order_id = zonmart_domain::OrderId::from_ulid(ulid::Ulid::generate());
    assert_eq!(shop.orders.record_payment(&unknown).await, Err(RepoError::NotFound));
}

async fn a_payment_needing_attention_leaves_the_order_and_writes_its_event(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    let short = PaymentSucceeded { amount_received: order.total_cents - 1, ..payment_for(&order) };
    let record = decided(&evt(4), &order, &short);
    assert!(matches!(record.effect, PaymentWrite::NeedsAttention { reason: AttentionReason::AmountMismatch, .. }));

    assert_eq!(shop.orders.record_payment(&record).await, Ok(Recorded::New));
    assert_eq!(shop.orders.find(order.id).await.unwrap(), Some(order.clone()), "not a byte changed");
    let events = events_of(&db, &[EventType::OrderPaymentNeedsAttention], 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].resource.id, events[0].resource.version), (order.id.ulid(), version(1)));
}

async fn unpaid_orders_are_listed_oldest_first_from_before_the_cutoff(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let teapot = shop.stock("Teapot", 1999, 100).await;
    let first = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    let paid = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    let cancelled = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    let third = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    shop.orders.record_payment(&decided(&evt(5), &paid, &payment_for(&paid))).await.unwrap();
    let gone = moved(&cancelled, OrderStatus::Cancelled);
    let event = event_about(EventType::OrderCancelled, gone.id.ulid(), gone.version);
    shop.orders.update_status(&gone, cancelled.version, true, &event).await.unwrap();

    let later = SystemClock.now() + Duration::seconds(1);
    let unpaid: Vec<_> = shop.orders.list_unpaid_before(later, 100).await.unwrap();
    assert_eq!(unpaid, [first.clone(), third], "pending only, oldest first, with their lines");
    let one: Vec<_> = shop.orders.list_unpaid_before(later, 1).await.unwrap().into_iter().map(|o| o.id).collect();
    assert_eq!(one, [first.id]);
    assert_eq!(shop.orders.list_unpaid_before(first.created_at, 100).await.unwrap(), [], "placed at, not before");

    let expired = first.expire(SystemClock.now()).unwrap();
    let event = event_about(EventType::OrderCancelled, expired.id.ulid(), expired.version);
    shop.orders.update_status(&expired, first.version, true, &event).await.unwrap();
    let stored = shop.orders.find(first.id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.cancel_reason), (OrderStatus::Cancelled, Some(CancelReason::PaymentTimeout)));
}

async fn a_payment_racing_a_cancel_never_both_win_and_the_stock_adds_up(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let teapot = shop.stock("Teapot", 1000, 1000).await;
    let (mut paid, mut cancelled) = (0, 0);
    for round in 0..20 {
        let order = shop.place(items(&[(&teapot, 3)])).await.unwrap();
        let pay = {
            let (shop, record) = (Arc::clone(&shop), decided(&evt(round), &order, &payment_for(&order)));
            async move { shop.orders.record_payment(&record).await }
        };
        let cancel = {
            let shop = Arc::clone(&shop);
            let (gone, expected) = (moved(&order, OrderStatus::Cancelled), order.version);
            let event = event_about(EventType::OrderCancelled, gone.id.ulid(), gone.version);
            async move { shop.orders.update_status(&gone, expected, true, &event).await }
        };
        // Each side starts first in half the rounds.
        let (pay, cancel) = if round % 2 == 0 {
            let cancel = tokio::spawn(cancel);
            let pay = tokio::spawn(pay);
            (pay.await.unwrap(), cancel.await.unwrap())
        } else {
            let pay = tokio::spawn(pay);
            let cancel = tokio::spawn(cancel);
            (pay.await.unwrap(), cancel.await.unwrap())
        };
        let stored = shop.orders.find(order.id).await.unwrap().unwrap();
        match (pay, cancel) {
            (Ok(Recorded::New), Err(RepoError::VersionConflict { .. })) => {
                assert_eq!(stored.status, OrderStatus::Paid);
                paid += 1;
            }
            (Err(RepoError::VersionConflict { .. }), Ok(())) => {
                assert_eq!(stored.status, OrderStatus::Cancelled);
                cancelled += 1;
            }
            other => panic!("round {round}: both or neither won: {other:?}"),
        }
        assert_eq!(stored.version, version(2));
    }
    println!("{}: 20 payment/cancel races: {paid} paid, {cancelled} cancelled", db.backend_name());
    assert_eq!(paid + cancelled, 20);
    let expected_stock = 1000 - 3 * paid;
    assert_eq!(shop.levels(&[&teapot]).await[0].0, expected_stock, "stock came back only for cancelled orders");
}

async fn the_same_event_ten_times_at_once_is_recorded_once(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let teapot = shop.stock("Teapot", 1000, 10).await;
    let order = shop.place(items(&[(&teapot, 1)])).await.unwrap();
    let record = decided(&evt(6), &order, &payment_for(&order));
    let mut deliveries = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (shop, record) = (Arc::clone(&shop), record.clone());
        deliveries.spawn(async move { shop.orders.record_payment(&record).await });
    }
    let results = deliveries.join_all().await;
    let new = results.iter().filter(|r| **r == Ok(Recorded::New)).count();
    let replays = results.iter().filter(|r| **r == Ok(Recorded::Replay)).count();
    println!("{}: one event 10 times at once: {new} recorded, {replays} replays", db.backend_name());
    assert_eq!((new, replays), (1, 9), "{results:?}");
    let stored = shop.orders.find(order.id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Paid, version(2)));
    assert_eq!(events_of(&db, &[EventType::OrderPaid], 1).await.len(), 1);
}
