//! Webhook subscriptions and deliveries on SQLite and PostgreSQL: fan-out to
//! the subscriptions that want an event, leases that hand a delivery to one
//! claimer at a time, and the log.

mod support;

use chrono::{Duration, SubsecRound, Utc};
use ulid::Ulid;
use zonmart_adapters::testing::events::event_about;
use zonmart_adapters::{Database, SqlDeliveryStore, SqlProductRepository, SqlWebhookRepository};
use zonmart_domain::{
    DeliveryStatus, EventFilter, EventType, Limit, NewWebhook, PageRequest, RetryPolicy, TryOutcome, Version,
    WebhookChanges, WebhookId, WebhookUrl,
};
use zonmart_ports::{DeliveryStore, ProductRepository, WebhookRepository};

use support::{version, Products};

on_each_backend!(
    a_subscription_reads_back_and_updates_at_its_version,
    events_fan_out_to_the_subscriptions_that_want_them_once,
    a_claimed_delivery_is_nobody_elses_until_its_lease_ends,
    one_claim_takes_a_batch_and_each_subscription_gets_its_event,
    a_recorded_try_shows_in_the_log_and_a_retry_makes_it_due,
);

fn hook(events: EventFilter) -> zonmart_domain::Webhook {
    NewWebhook { url: WebhookUrl::parse("https://erp.example.com/hook").unwrap(), events, description: None }
        .into_webhook(WebhookId::from_ulid(Ulid::generate()), Utc::now().trunc_subsecs(6) - Duration::seconds(5))
}

async fn write_product_event(db: &Database, kind: EventType) {
    let product = Products::new().product("Teapot", 100, 1);
    let event = event_about(kind, product.id.ulid(), Version::INITIAL);
    SqlProductRepository::new(db.clone()).insert(&product, &event).await.unwrap();
}

/// Fans out until `count` events were passed (PostgreSQL shows an event once
/// no older transaction of the cluster runs), bounded.
async fn fan_out(store: &SqlDeliveryStore, count: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut passed = 0;
    while passed < count && std::time::Instant::now() < deadline {
        passed += store.fan_out(Utc::now(), 100).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(passed, count);
}

async fn a_subscription_reads_back_and_updates_at_its_version(db: Database) {
    let repo = SqlWebhookRepository::new(db);
    let hook = hook(EventFilter::Only(vec![EventType::OrderPaid, EventType::ProductCreated]));
    repo.insert(&hook, "whsec_x").await.unwrap();
    assert_eq!(repo.find(hook.id).await.unwrap(), Some(hook.clone()));
    let off = hook.clone().apply(WebhookChanges { enabled: Some(false), ..Default::default() }, hook.updated_at);
    repo.update(&off, version(1)).await.unwrap();
    assert!(!repo.find(hook.id).await.unwrap().unwrap().enabled);
    assert!(repo.update(&off, version(1)).await.is_err());
    repo.delete(hook.id, version(2)).await.unwrap();
    assert_eq!(repo.find(hook.id).await.unwrap(), None);
}

async fn events_fan_out_to_the_subscriptions_that_want_them_once(db: Database) {
    let (hooks, store) = (SqlWebhookRepository::new(db.clone()), SqlDeliveryStore::new(db.clone()));
    let all = hook(EventFilter::All);
    let paid_only = hook(EventFilter::Only(vec![EventType::OrderPaid]));
    let disabled =
        hook(EventFilter::All).apply(WebhookChanges { enabled: Some(false), ..Default::default() }, Utc::now());
    for h in [&all, &paid_only, &disabled] {
        hooks.insert(h, "whsec_x").await.unwrap();
    }
    write_product_event(&db, EventType::ProductCreated).await;
    write_product_event(&db, EventType::ProductCreated).await;
    fan_out(&store, 2).await;
    assert_eq!(store.fan_out(Utc::now(), 100).await.unwrap(), 0, "each event fans out once");
    let page = PageRequest { limit: Limit::new(10).unwrap(), after: None };
    assert_eq!(store.list(all.id, None, page.clone()).await.unwrap().items.len(), 2);
    assert_eq!(store.list(paid_only.id, None, page.clone()).await.unwrap().items.len(), 0);
    assert_eq!(store.list(disabled.id, None, page).await.unwrap().items.len(), 0);
}

async fn a_claimed_delivery_is_nobody_elses_until_its_lease_ends(db: Database) {
    let (hooks, store) = (SqlWebhookRepository::new(db.clone()), SqlDeliveryStore::new(db.clone()));
    hooks.insert(&hook(EventFilter::All), "whsec_x").await.unwrap();
    write_product_event(&db, EventType::ProductCreated).await;
    fan_out(&store, 1).await;
    let now = Utc::now();
    let first = store.claim_due(now, Duration::seconds(60), 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].secret, "whsec_x");
    assert_eq!(first[0].event.kind, EventType::ProductCreated);
    assert!(store.claim_due(now, Duration::seconds(60), 10).await.unwrap().is_empty(), "leased");
    let later = now + Duration::seconds(61);
    assert_eq!(store.claim_due(later, Duration::seconds(60), 10).await.unwrap().len(), 1, "the lease ran out");
}

async fn one_claim_takes_a_batch_and_each_subscription_gets_its_event(db: Database) {
    let (hooks, store) = (SqlWebhookRepository::new(db.clone()), SqlDeliveryStore::new(db.clone()));
    let (erp, mailer) = (hook(EventFilter::All), hook(EventFilter::All));
    hooks.insert(&erp, "whsec_erp").await.unwrap();
    hooks.insert(&mailer, "whsec_mailer").await.unwrap();
    for _ in 0..3 {
        write_product_event(&db, EventType::ProductCreated).await;
    }
    fan_out(&store, 3).await;
    let now = Utc::now();
    let first = store.claim_due(now, Duration::seconds(60), 4).await.unwrap();
    assert_eq!(first.len(), 4, "a claim takes up to its limit");
    let rest = store.claim_due(now, Duration::seconds(60), 10).await.unwrap();
    assert_eq!(rest.len(), 2, "and the next one what is left");
    let mut sent: Vec<_> = first.iter().chain(&rest).map(|due| (due.event.id, due.secret.clone())).collect();
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 6, "every event once to each subscription, with that subscription's secret");
    for due in first.iter().chain(&rest) {
        assert_eq!(due.event.id, due.delivery.event_id, "each delivery carries its own event");
    }
}

async fn a_recorded_try_shows_in_the_log_and_a_retry_makes_it_due(db: Database) {
    let (hooks, store) = (SqlWebhookRepository::new(db.clone()), SqlDeliveryStore::new(db.clone()));
    let h = hook(EventFilter::All);
    hooks.insert(&h, "whsec_x").await.unwrap();
    write_product_event(&db, EventType::ProductCreated).await;
    fan_out(&store, 1).await;
    let now = Utc::now().trunc_subsecs(6);
    let due = store.claim_due(now, Duration::seconds(60), 10).await.unwrap().remove(0);
    let policy = RetryPolicy { base: Duration::seconds(30) };
    let tried = due.delivery.after_try(TryOutcome::Refused { status_code: 500 }, now, policy);
    store.record(&tried).await.unwrap();
    let page = PageRequest { limit: Limit::new(10).unwrap(), after: None };
    let logged = store.list(h.id, Some(DeliveryStatus::Pending), page.clone()).await.unwrap().items;
    assert_eq!((logged[0].attempts, logged[0].last_status_code), (1, Some(500)));
    assert!(store.claim_due(now, Duration::seconds(60), 10).await.unwrap().is_empty(), "not due before the backoff");
    store.retry(h.id, tried.id, now).await.unwrap();
    assert_eq!(store.claim_due(now + Duration::seconds(1), Duration::seconds(60), 10).await.unwrap().len(), 1);
    assert!(store.retry(WebhookId::from_ulid(Ulid::generate()), tried.id, now).await.is_err());
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.backlog), (1, 0));
}
