//! Payments: what a provider's "payment succeeded" does to an order, the
//! signature header it comes with, and when an unpaid order expires.
//!
//! The rules are here; the use case (`PaymentService`) applies them and the
//! repository only makes each decision atomic with the event-id record that
//! makes a replay change nothing.

use std::fmt;

use chrono::Duration;

use crate::ids::OrderId;
use crate::order::{CancelReason, Order, OrderStatus};
use crate::Timestamp;

/// How far a signature's time may be from now, either way (Stripe's default).
pub const SIGNATURE_TOLERANCE: Duration = Duration::seconds(300);

/// Longest provider event id kept (Stripe's are about 30 characters).
pub const MAX_EVENT_ID_LEN: usize = 255;

/// A provider's event id (`evt_…`): 1..=255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentEventId(String);

impl PaymentEventId {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty() && s.len() <= MAX_EVENT_ID_LEN && s.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| PaymentEventId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaymentEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A provider's `payment_intent.succeeded`, as far as an order cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSucceeded {
    /// The payment intent (`pi_…`), kept as the order's `payment_reference`.
    pub intent_id: String,
    pub order_id: OrderId,
    pub amount_received: i64,
    /// As the provider spells it; compared case-insensitively.
    pub currency: String,
}

/// Why a payment did not make its order paid (the `reason` of
/// `order.payment_needs_attention`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttentionReason {
    /// The order was cancelled before the payment arrived.
    AfterCancel,
    /// The order was already paid by another intent.
    Duplicate,
    /// Another amount or currency than the order's total.
    AmountMismatch,
}

impl AttentionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AttentionReason::AfterCancel => "after_cancel",
            AttentionReason::Duplicate => "duplicate",
            AttentionReason::AmountMismatch => "amount_mismatch",
        }
    }
}

impl fmt::Display for AttentionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a successful payment does to the order it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEffect {
    /// The order, paid, one version later.
    Paid(Box<Order>),
    /// The order does not change; someone has to look at the payment.
    NeedsAttention(AttentionReason),
    /// This very intent already paid the order: nothing to do.
    AlreadyApplied,
}

impl Order {
    /// What `payment` does to this order at `now`. Only a `pending` order
    /// with exactly the payment's amount and currency becomes `paid`.
    pub fn confirm_payment(&self, payment: &PaymentSucceeded, now: Timestamp) -> PaymentEffect {
        match self.status {
            OrderStatus::Cancelled => PaymentEffect::NeedsAttention(AttentionReason::AfterCancel),
            OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered => {
                if self.payment_reference.as_deref() == Some(payment.intent_id.as_str()) {
                    PaymentEffect::AlreadyApplied
                } else {
                    PaymentEffect::NeedsAttention(AttentionReason::Duplicate)
                }
            }
            OrderStatus::Pending => {
                let same_currency = payment.currency.eq_ignore_ascii_case(self.currency.as_str());
                if payment.amount_received != self.total_cents || !same_currency {
                    return PaymentEffect::NeedsAttention(AttentionReason::AmountMismatch);
                }
                PaymentEffect::Paid(Box::new(Order {
                    status: OrderStatus::Paid,
                    paid_at: Some(now),
                    payment_reference: Some(payment.intent_id.clone()),
                    version: self.version.next(),
                    updated_at: now,
                    ..self.clone()
                }))
            }
        }
    }

    /// The order cancelled for want of payment, if it is still `pending`.
    pub fn expire(&self, now: Timestamp) -> Option<Order> {
        (self.status == OrderStatus::Pending).then(|| Order {
            status: OrderStatus::Cancelled,
            cancel_reason: Some(CancelReason::PaymentTimeout),
            version: self.version.next(),
            updated_at: now,
            ..self.clone()
        })
    }
}

/// A `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`
/// (other schemes, such as `v0`, are ignored, as Stripe's libraries do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    pub timestamp: i64,
    /// Every `v1` signature given (a rolled secret sends two).
    pub signatures: Vec<String>,
}

impl SignatureHeader {
    /// `None` for a header without a `t` or without any `v1`.
    pub fn parse(header: &str) -> Option<SignatureHeader> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => timestamp = Some(t.parse::<i64>().ok()?),
                Some(("v1", sig)) if !sig.is_empty() => signatures.push(sig.to_owned()),
                _ => {}
            }
        }
        let timestamp = timestamp?;
        (!signatures.is_empty()).then_some(SignatureHeader { timestamp, signatures })
    }

    /// Whether the signing time is within [`SIGNATURE_TOLERANCE`] of `now`.
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        let age = now.timestamp().saturating_sub(self.timestamp);
        age.checked_abs().is_some_and(|age| age <= SIGNATURE_TOLERANCE.num_seconds())
    }

    /// What the provider signed: `"<t>.<raw body>"`.
    pub fn signed_payload(&self, body: &[u8]) -> Vec<u8> {
        let mut payload = format!("{}.", self.timestamp).into_bytes();
        payload.extend_from_slice(body);
        payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::order::{OrderCheckout, OrderLine};
    use crate::pricing::Pricing;
    use crate::version::Version;
    use crate::{ids::UserId, Quantity};
    use chrono::TimeZone;
    use ulid::Ulid;

    fn t0() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
    }

    fn order(status: OrderStatus) -> Order {
        let line = OrderLine {
            product_id: crate::ProductId::from_ulid(Ulid::from_parts(1, 0)),
            name: "Kettle".into(),
            quantity: Quantity::new(1).unwrap(),
            unit_price_cents: 1999,
            line_total_cents: 1999,
        };
        let pricing = Pricing {
            lines: vec![line],
            currency: Currency::usd(),
            subtotal_cents: 1999,
            discount_cents: 0,
            shipping_cents: 0,
            tax_cents: 0,
            total_cents: 1999,
        };
        let id = OrderId::from_ulid(Ulid::from_parts(9, 9));
        let mut o =
            Order::place(id, UserId::from_ulid(Ulid::from_parts(2, 2)), pricing, OrderCheckout::default(), t0());
        o.status = status;
        o
    }

    fn payment(amount: i64, currency: &str) -> PaymentSucceeded {
        PaymentSucceeded {
            intent_id: "pi_1".into(),
            order_id: OrderId::from_ulid(Ulid::from_parts(9, 9)),
            amount_received: amount,
            currency: currency.into(),
        }
    }

    #[test]
    fn a_pending_order_paid_in_full_becomes_paid_one_version_later() {
        let later = t0() + Duration::minutes(3);
        let PaymentEffect::Paid(paid) = order(OrderStatus::Pending).confirm_payment(&payment(1999, "USD"), later)
        else {
            panic!("not paid");
        };
        assert_eq!(paid.status, OrderStatus::Paid);
        assert_eq!(paid.version, Version::INITIAL.next());
        assert_eq!(
            (paid.paid_at, paid.payment_reference.as_deref(), paid.updated_at),
            (Some(later), Some("pi_1"), later)
        );
    }

    #[test]
    fn the_currency_is_compared_case_insensitively() {
        assert!(matches!(
            order(OrderStatus::Pending).confirm_payment(&payment(1999, "usd"), t0()),
            PaymentEffect::Paid(_)
        ));
    }

    #[test]
    fn another_amount_or_currency_needs_attention() {
        for p in [payment(1998, "usd"), payment(2000, "usd"), payment(1999, "eur")] {
            assert_eq!(
                order(OrderStatus::Pending).confirm_payment(&p, t0()),
                PaymentEffect::NeedsAttention(AttentionReason::AmountMismatch)
            );
        }
    }

    #[test]
    fn a_cancelled_order_is_not_paid_whatever_the_amount() {
        for p in [payment(1999, "usd"), payment(1, "usd")] {
            assert_eq!(
                order(OrderStatus::Cancelled).confirm_payment(&p, t0()),
                PaymentEffect::NeedsAttention(AttentionReason::AfterCancel)
            );
        }
    }

    #[test]
    fn a_second_intent_for_a_paid_order_is_a_duplicate_and_the_same_one_is_nothing() {
        for status in [OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered] {
            let mut o = order(status);
            o.payment_reference = Some("pi_0".into());
            assert_eq!(
                o.confirm_payment(&payment(1999, "usd"), t0()),
                PaymentEffect::NeedsAttention(AttentionReason::Duplicate)
            );
            o.payment_reference = Some("pi_1".into());
            assert_eq!(o.confirm_payment(&payment(1999, "usd"), t0()), PaymentEffect::AlreadyApplied);
        }
    }

    #[test]
    fn only_a_pending_order_expires_and_it_says_why() {
        let expired = order(OrderStatus::Pending).expire(t0()).unwrap();
        assert_eq!(
            (expired.status, expired.cancel_reason, expired.version),
            (OrderStatus::Cancelled, Some(CancelReason::PaymentTimeout), Version::INITIAL.next())
        );
        assert!(Order::restocks_on(expired.status));
        for status in [OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Cancelled] {
            assert_eq!(order(status).expire(t0()), None);
        }
    }

    #[test]
    fn signature_headers_parse_as_stripe_writes_them() {
        let h = SignatureHeader::parse("t=1700000000,v1=abc,v0=old,v1=def").unwrap();
        assert_eq!(h, SignatureHeader { timestamp: 1_700_000_000, signatures: vec!["abc".into(), "def".into()] });
        assert_eq!(h.signed_payload(b"{}"), b"1700000000.{}".to_vec());
        for bad in ["", "v1=abc", "t=1700000000", "t=soon,v1=abc", "t=1,v1=", "garbage"] {
            assert_eq!(SignatureHeader::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_signature_is_fresh_for_five_minutes_either_way() {
        let at = |secs: i64| SignatureHeader { timestamp: t0().timestamp() + secs, signatures: vec!["x".into()] };
        for ok in [0, 300, -300, 17] {
            assert!(at(ok).is_fresh(t0()), "{ok}");
        }
        for stale in [301, -301, -100_000] {
            assert!(!at(stale).is_fresh(t0()), "{stale}");
        }
        let ancient = SignatureHeader { timestamp: i64::MIN, signatures: vec!["x".into()] };
        assert!(!ancient.is_fresh(t0()));
    }

    #[test]
    fn event_ids_are_short_printable_ascii() {
        assert!(PaymentEventId::parse("evt_1NirD82eZvKYlo2C").is_some());
        for bad in ["", "evt 1", "évt", &"e".repeat(256)] {
            assert!(PaymentEventId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
