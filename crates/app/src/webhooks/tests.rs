use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::{
    Delivery, DeliveryStatus, EventFilter, EventId, EventType, NewWebhook, RetryPolicy, Scope, TryOutcome, WebhookId,
    WebhookUrl,
};
use zonmart_ports::{
    DueDelivery, MockDeliveryStore, MockSecretGenerator, MockTargetGuard, MockWebhookRepository, MockWebhookSender,
};

use super::*;
use crate::test_support::{admin, clock_at, customer, ids_from, t0};

fn new_webhook() -> NewWebhook {
    NewWebhook {
        url: WebhookUrl::parse("https://erp.example.com/hook").unwrap(),
        events: EventFilter::All,
        description: None,
    }
}

fn ports(webhooks: MockWebhookRepository, guard: MockTargetGuard) -> WebhookPorts {
    let mut secrets = MockSecretGenerator::new();
    secrets.expect_secret().returning(|| "abc123".into());
    WebhookPorts {
        webhooks: Arc::new(webhooks),
        deliveries: Arc::new(MockDeliveryStore::new()),
        guard: Arc::new(guard),
        secrets: Arc::new(secrets),
        clock: clock_at(t0()),
        ids: ids_from(4),
    }
}

fn open_guard() -> MockTargetGuard {
    let mut guard = MockTargetGuard::new();
    guard.expect_check().returning(|_| Ok(()));
    guard
}

#[tokio::test]
async fn a_subscription_gets_a_whsec_secret_shown_once() {
    let mut webhooks = MockWebhookRepository::new();
    webhooks.expect_insert().withf(|_, secret| secret == "whsec_abc123").returning(|_, _| Ok(()));
    let created = WebhookService::new(ports(webhooks, open_guard())).create(&admin(1), new_webhook()).await.unwrap();
    assert_eq!(created.secret, "whsec_abc123");
    assert!(created.webhook.enabled);
}

#[tokio::test]
async fn a_private_target_is_refused_at_create_time() {
    let mut guard = MockTargetGuard::new();
    guard.expect_check().returning(|_| Err("resolves to a private address".into()));
    let mut webhooks = MockWebhookRepository::new();
    webhooks.expect_insert().never();
    let refused = WebhookService::new(ports(webhooks, guard)).create(&admin(1), new_webhook()).await;
    assert!(matches!(refused, Err(AppError::Validation(_))));
}

#[tokio::test]
async fn only_admins_and_webhooks_manage_keys_manage_subscriptions() {
    let service = WebhookService::new(ports(MockWebhookRepository::new(), open_guard()));
    assert!(matches!(service.create(&customer(1), new_webhook()).await, Err(AppError::Forbidden(_))));
    let reader = Actor::service(ulid::Ulid::from_parts(3, 3), [Scope::EventsRead].into_iter().collect());
    assert!(matches!(service.create(&reader, new_webhook()).await, Err(AppError::Forbidden(_))));
}

fn due() -> DueDelivery {
    let event = zonmart_domain::Event::new(
        EventId::from_ulid(ulid::Ulid::from_parts(9, 9)),
        EventType::OrderPlaced,
        (ulid::Ulid::from_parts(8, 8), zonmart_domain::Version::INITIAL),
        "{}".into(),
        t0(),
    );
    DueDelivery {
        delivery: Delivery {
            id: ulid::Ulid::from_parts(7, 7),
            webhook_id: WebhookId::from_ulid(ulid::Ulid::from_parts(6, 6)),
            event_id: event.id,
            event_type: event.kind,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status_code: None,
            last_error: None,
            next_attempt_at: Some(t0()),
            created_at: t0(),
            updated_at: t0(),
        },
        url: WebhookUrl::parse("https://erp.example.com/hook").unwrap(),
        secret: "whsec_x".into(),
        event,
    }
}

fn dispatcher(store: MockDeliveryStore, sender: MockWebhookSender, guard: MockTargetGuard) -> WebhookDispatcher {
    let settings = DispatchSettings {
        policy: RetryPolicy { base: Duration::seconds(1) },
        lease: Duration::seconds(60),
        batch: 10,
    };
    WebhookDispatcher::new(Arc::new(store), Arc::new(sender), Arc::new(guard), clock_at(t0()), settings)
}

#[tokio::test]
async fn a_refused_delivery_is_recorded_for_a_retry_after_the_backoff() {
    let mut store = MockDeliveryStore::new();
    store.expect_fan_out().returning(|_, _| Ok(1));
    store.expect_claim_due().returning(|_, _, _| Ok(vec![due()]));
    store
        .expect_record()
        .withf(|d| {
            d.status == DeliveryStatus::Pending
                && d.attempts == 1
                && d.next_attempt_at == Some(t0() + Duration::seconds(1))
        })
        .times(1)
        .returning(|_| Ok(()));
    let mut sender = MockWebhookSender::new();
    sender.expect_send().returning(|_, _, _, _| TryOutcome::Refused { status_code: 503 });
    let round = dispatcher(store, sender, open_guard()).round().await.unwrap();
    assert_eq!(round, Round { fanned_out: 1, sent: 1, succeeded: 0, accepted_after_ms: vec![] });
}

#[tokio::test]
async fn an_accepted_delivery_reports_how_long_after_its_event_it_arrived() {
    let mut store = MockDeliveryStore::new();
    store.expect_fan_out().returning(|_, _| Ok(0));
    let mut late = due();
    late.event.created_at = t0() - Duration::milliseconds(1500);
    store.expect_claim_due().returning(move |_, _, _| Ok(vec![late.clone()]));
    store.expect_record().withf(|d| d.status == DeliveryStatus::Succeeded).times(1).returning(|_| Ok(()));
    let mut sender = MockWebhookSender::new();
    sender.expect_send().returning(|_, _, _, _| TryOutcome::Accepted { status_code: 204 });
    let round = dispatcher(store, sender, open_guard()).round().await.unwrap();
    assert_eq!(round, Round { fanned_out: 0, sent: 1, succeeded: 1, accepted_after_ms: vec![1500] });
}

#[tokio::test]
async fn a_target_that_turned_private_is_not_called() {
    let mut store = MockDeliveryStore::new();
    store.expect_fan_out().returning(|_, _| Ok(0));
    store.expect_claim_due().returning(|_, _, _| Ok(vec![due()]));
    store.expect_record().withf(|d| d.last_error.as_deref() == Some("private")).times(1).returning(|_| Ok(()));
    let mut sender = MockWebhookSender::new();
    sender.expect_send().never();
    let mut guard = MockTargetGuard::new();
    guard.expect_check().returning(|_| Err("private".into()));
    dispatcher(store, sender, guard).round().await.unwrap();
}
