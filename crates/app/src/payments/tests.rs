use std::sync::{Arc, Mutex};

use chrono::Duration;
use zonmart_domain::{
    AttentionReason, CancelReason, Currency, EventType, Order, OrderCheckout, OrderId, OrderLine, OrderStatus,
    PaymentEventId, PaymentSucceeded, Pricing, Quantity, Version,
};
use zonmart_ports::{MockOrderRepository, MockSignatureVerifier, PaymentWrite, Recorded, RepoError};

use super::{PaymentNotice, PaymentResult, PaymentService, VerifiedBody};
use crate::test_support::*;
use crate::AppError;

fn order(status: OrderStatus) -> Order {
    let line = OrderLine {
        product_id: product_id(1),
        name: "product 1".into(),
        quantity: Quantity::new(1).unwrap(),
        unit_price_cents: 1500,
        line_total_cents: 1500,
    };
    let pricing = Pricing {
        lines: vec![line],
        currency: Currency::usd(),
        subtotal_cents: 1500,
        discount_cents: 0,
        shipping_cents: 0,
        tax_cents: 0,
        total_cents: 1500,
    };
    let id = OrderId::from_ulid(ulid::Ulid::from_parts(7, 7));
    let mut o = Order::place(id, user_id(1), pricing, OrderCheckout::default(), t0() - Duration::hours(1));
    o.status = status;
    o
}

fn succeeded(amount: i64) -> PaymentNotice {
    PaymentNotice::Succeeded(PaymentSucceeded {
        intent_id: "pi_9".into(),
        order_id: order(OrderStatus::Pending).id,
        amount_received: amount,
        currency: "usd".into(),
    })
}

fn evt() -> PaymentEventId {
    PaymentEventId::parse("evt_1").unwrap()
}

/// A verifier that accepts exactly the signature "good" of any payload.
fn verifier() -> Arc<MockSignatureVerifier> {
    let mut v = MockSignatureVerifier::new();
    v.expect_verify().returning(|_, signature| signature == "good");
    Arc::new(v)
}

fn service(repo: MockOrderRepository) -> PaymentService {
    PaymentService::new(Arc::new(repo), clock_at(t0()), events(), Some(verifier()))
}

const BODY: &[u8] = b"{}";

#[test]
fn a_good_fresh_signature_verifies_and_everything_else_is_invalid() {
    let s = service(MockOrderRepository::new());
    let now = t0().timestamp();
    assert!(s.verify(Some(&format!("t={now},v1=good")), BODY).is_ok());
    assert!(s.verify(Some(&format!("t={now},v1=bad,v1=good")), BODY).is_ok(), "a rolled secret sends two");
    for header in [
        None,
        Some(String::new()),
        Some(format!("t={now},v1=bad")),
        Some(format!("t={now}")),
        Some(format!("t={},v1=good", now - 301)),
        Some(format!("t={},v1=good", now + 301)),
        Some("v1=good".to_owned()),
    ] {
        assert_eq!(s.verify(header.as_deref(), BODY).unwrap_err(), AppError::InvalidSignature, "{header:?}");
    }
}

#[test]
fn the_signed_payload_is_the_time_a_dot_and_the_raw_body() {
    let mut v = MockSignatureVerifier::new();
    v.expect_verify().withf(|payload, _| payload == b"1767268800.{\"a\":1}").return_const(true);
    let s = PaymentService::new(Arc::new(MockOrderRepository::new()), clock_at(t0()), events(), Some(Arc::new(v)));
    assert_eq!(t0().timestamp(), 1_767_268_800);
    assert!(s.verify(Some("t=1767268800,v1=ab"), b"{\"a\":1}").is_ok());
}

#[test]
fn without_a_secret_payments_are_disabled() {
    let s = PaymentService::new(Arc::new(MockOrderRepository::new()), clock_at(t0()), events(), None);
    let now = t0().timestamp();
    assert_eq!(s.verify(Some(&format!("t={now},v1=good")), BODY).unwrap_err(), AppError::PaymentsDisabled);
}

fn recording(repo: &mut MockOrderRepository, answer: Result<Recorded, RepoError>) -> Arc<Mutex<Vec<PaymentWrite>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    repo.expect_record_payment().returning(move |record| {
        log.lock().unwrap().push(record.effect.clone());
        answer.clone()
    });
    seen
}

fn finding(repo: &mut MockOrderRepository, status: OrderStatus, reference: Option<&str>) {
    let mut o = order(status);
    o.payment_reference = reference.map(Into::into);
    repo.expect_find().returning(move |_| Ok(Some(o.clone())));
}

#[tokio::test]
async fn a_matching_payment_pays_the_pending_order_with_its_event() {
    let mut repo = MockOrderRepository::new();
    finding(&mut repo, OrderStatus::Pending, None);
    let writes = recording(&mut repo, Ok(Recorded::New));
    let s = service(repo);
    let result = s.apply(VerifiedBody(BODY), evt(), succeeded(1500)).await.unwrap();
    assert_eq!(result, PaymentResult::Paid);
    let writes = writes.lock().unwrap();
    let PaymentWrite::Paid { order, expected, event } = &writes[0] else { panic!("{writes:?}") };
    assert_eq!(
        (order.status, order.payment_reference.as_deref(), order.paid_at),
        (OrderStatus::Paid, Some("pi_9"), Some(t0()))
    );
    assert_eq!((*expected, order.version), (Version::INITIAL, Version::INITIAL.next()));
    assert_eq!((event.kind, event.resource.version), (EventType::OrderPaid, order.version));
}

#[tokio::test]
async fn each_reason_for_attention_writes_its_event_and_leaves_the_order() {
    let cases = [
        (OrderStatus::Pending, None, 1499, AttentionReason::AmountMismatch),
        (OrderStatus::Cancelled, None, 1500, AttentionReason::AfterCancel),
        (OrderStatus::Paid, Some("pi_other"), 1500, AttentionReason::Duplicate),
    ];
    for (status, reference, amount, reason) in cases {
        let mut repo = MockOrderRepository::new();
        finding(&mut repo, status, reference);
        let writes = recording(&mut repo, Ok(Recorded::New));
        let result = service(repo).apply(VerifiedBody(BODY), evt(), succeeded(amount)).await.unwrap();
        assert_eq!(result, PaymentResult::NeedsAttention(reason));
        let writes = writes.lock().unwrap();
        let PaymentWrite::NeedsAttention { expected, reason: written, event } = &writes[0] else { panic!() };
        assert_eq!((*expected, *written), (Version::INITIAL, reason));
        assert_eq!((event.kind, event.resource.version), (EventType::OrderPaymentNeedsAttention, Version::INITIAL));
        assert!(event.data.contains(&format!(r#""reason":"{reason}""#)), "{}", event.data);
    }
}

#[tokio::test]
async fn the_intent_that_paid_the_order_again_is_recorded_and_ignored() {
    let mut repo = MockOrderRepository::new();
    finding(&mut repo, OrderStatus::Shipped, Some("pi_9"));
    let writes = recording(&mut repo, Ok(Recorded::New));
    assert_eq!(service(repo).apply(VerifiedBody(BODY), evt(), succeeded(1500)).await.unwrap(), PaymentResult::Ignored);
    assert!(matches!(writes.lock().unwrap()[0], PaymentWrite::AlreadyApplied { .. }));
}

#[tokio::test]
async fn a_replayed_event_id_is_reported_as_such() {
    let mut repo = MockOrderRepository::new();
    finding(&mut repo, OrderStatus::Pending, None);
    recording(&mut repo, Ok(Recorded::Replay));
    assert_eq!(service(repo).apply(VerifiedBody(BODY), evt(), succeeded(1500)).await.unwrap(), PaymentResult::Replayed);
}

#[tokio::test]
async fn an_unknown_order_or_another_type_changes_nothing() {
    let mut repo = MockOrderRepository::new();
    repo.expect_find().returning(|_| Ok(None));
    repo.expect_record_payment().never();
    let s = service(repo);
    assert_eq!(s.apply(VerifiedBody(BODY), evt(), succeeded(1500)).await.unwrap(), PaymentResult::Ignored);
    assert_eq!(s.apply(VerifiedBody(BODY), evt(), PaymentNotice::Ignored).await.unwrap(), PaymentResult::Ignored);
}

#[tokio::test]
async fn losing_a_race_to_a_cancel_decides_again_on_the_cancelled_order() {
    let mut repo = MockOrderRepository::new();
    let reads = Arc::new(Mutex::new(0));
    let n = Arc::clone(&reads);
    repo.expect_find().returning(move |_| {
        let mut n = n.lock().unwrap();
        *n += 1;
        // First read: pending; by the second the customer's cancel won.
        Ok(Some(if *n == 1 {
            order(OrderStatus::Pending)
        } else {
            let mut o = order(OrderStatus::Cancelled);
            o.version = Version::INITIAL.next();
            o
        }))
    });
    let writes = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&writes);
    repo.expect_record_payment().returning(move |record| {
        let mut log = log.lock().unwrap();
        log.push(record.effect.clone());
        if log.len() == 1 {
            Err(RepoError::VersionConflict { current: Version::INITIAL.next() })
        } else {
            Ok(Recorded::New)
        }
    });
    let result = service(repo).apply(VerifiedBody(BODY), evt(), succeeded(1500)).await.unwrap();
    assert_eq!(result, PaymentResult::NeedsAttention(AttentionReason::AfterCancel));
    let writes = writes.lock().unwrap();
    assert!(matches!(writes[0], PaymentWrite::Paid { .. }));
    assert!(matches!(writes[1], PaymentWrite::NeedsAttention { expected, .. } if expected == Version::INITIAL.next()));
}

#[tokio::test]
async fn a_payment_that_keeps_losing_races_asks_the_provider_to_retry() {
    let mut repo = MockOrderRepository::new();
    finding(&mut repo, OrderStatus::Pending, None);
    repo.expect_record_payment()
        .times(super::PAYMENT_ATTEMPTS)
        .returning(|_| Err(RepoError::VersionConflict { current: Version::INITIAL.next() }));
    assert_eq!(service(repo).apply(VerifiedBody(BODY), evt(), succeeded(1500)).await.unwrap_err(), AppError::Busy);
}

#[tokio::test]
async fn expiry_cancels_old_pending_orders_with_their_stock_and_skips_those_that_moved() {
    let mut repo = MockOrderRepository::new();
    let cutoff = t0() - Duration::seconds(30);
    repo.expect_list_unpaid_before().withf(move |at, limit| *at == cutoff && *limit == super::EXPIRY_BATCH).returning(
        |_, _| {
            let mut moved = order(OrderStatus::Pending);
            moved.id = OrderId::from_ulid(ulid::Ulid::from_parts(8, 8));
            Ok(vec![order(OrderStatus::Pending), moved])
        },
    );
    let written = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&written);
    repo.expect_update_status().returning(move |o, expected, restock, event| {
        log.lock().unwrap().push((o.clone(), expected, restock, event.kind));
        if o.id == OrderId::from_ulid(ulid::Ulid::from_parts(8, 8)) {
            Err(RepoError::VersionConflict { current: Version::INITIAL.next() })
        } else {
            Ok(())
        }
    });
    let n = service(repo).expire_unpaid(Duration::seconds(30)).await.unwrap();
    assert_eq!(n, 1, "the order another server moved first is not counted");
    let written = written.lock().unwrap();
    let (o, expected, restock, kind) = &written[0];
    assert_eq!((o.status, o.cancel_reason), (OrderStatus::Cancelled, Some(CancelReason::PaymentTimeout)));
    assert_eq!((*expected, *restock, *kind), (Version::INITIAL, true, EventType::OrderCancelled));
}
