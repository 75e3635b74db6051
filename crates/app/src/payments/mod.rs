//! Payment confirmation from a provider's signed webhook, and the expiry of
//! orders that stay unpaid.
//!
//! A payment and anything else that moves its order (a customer's cancel,
//! the expiry, an admin) are decided the way every write is: on the order at
//! a version, written only while it is still at that version. The loser of a
//! race decides again on the order as it now is, so exactly one wins.

use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::{
    AttentionReason, EventType, Order, OrderStatus, PaymentEffect, PaymentEventId, PaymentSucceeded, SignatureHeader,
};
use zonmart_ports::{Clock, OrderRepository, PaymentRecord, PaymentWrite, Recorded, RepoError, SignatureVerifier};

use crate::{AppError, EventComposer};

#[cfg(test)]
mod tests;

/// How many times a payment is decided again after losing a race, before
/// the provider is told to retry later (409).
pub const PAYMENT_ATTEMPTS: usize = 5;

/// Most orders one expiry sweep cancels before it looks again.
pub const EXPIRY_BATCH: u32 = 100;

/// A webhook body whose signature checked out. Only [`PaymentService::verify`]
/// makes one; [`PaymentService::apply`] needs one.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedBody<'a>(&'a [u8]);

impl<'a> VerifiedBody<'a> {
    /// The raw body, to read the provider's event from.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }
}

/// A provider event, as far as Zonmart reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentNotice {
    /// `payment_intent.succeeded` naming an order.
    Succeeded(PaymentSucceeded),
    /// Any other type, or a payment naming no order of this shop: ignored.
    Ignored,
}

/// What a provider event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentResult {
    /// The order is now paid.
    Paid,
    /// The order did not change; `order.payment_needs_attention` says why.
    NeedsAttention(AttentionReason),
    /// Nothing to do: another type, an unknown order, or the intent that
    /// already paid the order.
    Ignored,
    /// This event id was handled before: nothing happened a second time.
    Replayed,
}

#[derive(Clone)]
pub struct PaymentService {
    orders: Arc<dyn OrderRepository>,
    clock: Arc<dyn Clock>,
    events: EventComposer,
    /// `None` when no webhook secret is configured: payments are off.
    verifier: Option<Arc<dyn SignatureVerifier>>,
}

impl PaymentService {
    pub fn new(
        orders: Arc<dyn OrderRepository>,
        clock: Arc<dyn Clock>,
        events: EventComposer,
        verifier: Option<Arc<dyn SignatureVerifier>>,
    ) -> Self {
        Self { orders, clock, events, verifier }
    }

    /// Checks the `Stripe-Signature` header of `body`: a `t` within five
    /// minutes of now and a `v1` that is the HMAC of `"<t>.<body>"`.
    /// `PaymentsDisabled` without a secret, `InvalidSignature` otherwise.
    pub fn verify<'a>(&self, header: Option<&str>, body: &'a [u8]) -> Result<VerifiedBody<'a>, AppError> {
        let verifier = self.verifier.as_ref().ok_or(AppError::PaymentsDisabled)?;
        let header = header.and_then(SignatureHeader::parse).ok_or(AppError::InvalidSignature)?;
        if !header.is_fresh(self.clock.now()) {
            return Err(AppError::InvalidSignature);
        }
        let payload = header.signed_payload(body);
        if header.signatures.iter().any(|signature| verifier.verify(&payload, signature)) {
            Ok(VerifiedBody(body))
        } else {
            Err(AppError::InvalidSignature)
        }
    }

    /// Applies a verified provider event once: its id is recorded in the
    /// same transaction as its effect, so the same event again changes
    /// nothing. The effect is decided by the domain on the order as stored.
    pub async fn apply(
        &self,
        _verified: VerifiedBody<'_>,
        event_id: PaymentEventId,
        notice: PaymentNotice,
    ) -> Result<PaymentResult, AppError> {
        let PaymentNotice::Succeeded(payment) = notice else {
            return Ok(PaymentResult::Ignored);
        };
        for _ in 0..PAYMENT_ATTEMPTS {
            let Some(order) = self.orders.find(payment.order_id).await? else {
                tracing::info!(event_id = %event_id, order_id = %payment.order_id, "payment for an unknown order ignored");
                return Ok(PaymentResult::Ignored);
            };
            let now = self.clock.now();
            let (effect, result) = match order.confirm_payment(&payment, now) {
                PaymentEffect::Paid(paid) => {
                    let event = self.events.order(EventType::OrderPaid, &paid, now);
                    (PaymentWrite::Paid { order: paid, expected: order.version, event }, PaymentResult::Paid)
                }
                PaymentEffect::NeedsAttention(reason) => {
                    let event = self.events.payment_needs_attention(&order, reason, now);
                    let write = PaymentWrite::NeedsAttention { expected: order.version, reason, event };
                    (write, PaymentResult::NeedsAttention(reason))
                }
                PaymentEffect::AlreadyApplied => {
                    (PaymentWrite::AlreadyApplied { expected: order.version }, PaymentResult::Ignored)
                }
            };
            let record = PaymentRecord { event_id: event_id.clone(), order_id: order.id, effect, received_at: now };
            match self.orders.record_payment(&record).await {
                Ok(Recorded::New) => {
                    tracing::info!(event_id = %event_id, order_id = %order.id, intent = %payment.intent_id, result = ?result, "payment event applied");
                    return Ok(result);
                }
                Ok(Recorded::Replay) => return Ok(PaymentResult::Replayed),
                // The order moved (a cancel, another payment): decide again.
                Err(RepoError::VersionConflict { .. }) => continue,
                Err(RepoError::NotFound) => return Ok(PaymentResult::Ignored),
                Err(e) => return Err(e.into()),
            }
        }
        tracing::warn!(event_id = %event_id, order_id = %payment.order_id, "payment lost {PAYMENT_ATTEMPTS} races in a row; the provider will retry");
        Err(AppError::Busy)
    }

    /// Cancels (`payment_timeout`) every order still `pending` longer than
    /// `timeout`, giving back its stock and discount use. Each cancel is
    /// version-checked, so with several servers sweeping each order is
    /// expired once; an order paid meanwhile stays paid. Answers how many
    /// this call cancelled.
    pub async fn expire_unpaid(&self, timeout: Duration) -> Result<usize, AppError> {
        let mut expired = 0;
        loop {
            let now = self.clock.now();
            let unpaid = self.orders.list_unpaid_before(now - timeout, EXPIRY_BATCH).await?;
            let full_batch = unpaid.len() == EXPIRY_BATCH as usize;
            let mut progressed = false;
            for order in unpaid {
                if self.expire(&order).await? {
                    expired += 1;
                    progressed = true;
                }
            }
            if !full_batch || !progressed {
                return Ok(expired);
            }
        }
    }

    /// Whether this call cancelled `order` (not: someone else moved it first).
    async fn expire(&self, order: &Order) -> Result<bool, AppError> {
        let now = self.clock.now();
        let Some(cancelled) = order.expire(now) else {
            return Ok(false);
        };
        let event = self.events.order(EventType::for_order_status(OrderStatus::Cancelled), &cancelled, now);
        match self.orders.update_status(&cancelled, order.version, Order::restocks_on(cancelled.status), &event).await {
            Ok(()) => {
                tracing::info!(order_id = %order.id, placed_at = %order.created_at, "unpaid order expired");
                Ok(true)
            }
            Err(RepoError::VersionConflict { .. } | RepoError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
