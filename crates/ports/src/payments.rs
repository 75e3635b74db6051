//! What payment confirmation needs: checking a provider's signature, and
//! recording a provider event together with its effect on the order.

use zonmart_domain::{AttentionReason, Event, Order, OrderId, PaymentEventId, Timestamp, Version};

/// Checks a provider's HMAC signature of a payload with the shop's secret.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait SignatureVerifier: Send + Sync {
    /// Whether `signature_hex` is the signature of `payload`, compared in
    /// constant time. Malformed hex is simply not a match.
    fn verify(&self, payload: &[u8], signature_hex: &str) -> bool;
}

/// A provider event to record, with what it does to its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub event_id: PaymentEventId,
    pub order_id: OrderId,
    pub effect: PaymentWrite,
    pub received_at: Timestamp,
}

/// What recording a provider event writes beside its id. Each is decided on
/// the order at `expected`: the record is refused (`RepoError::VersionConflict`,
/// nothing written) when the order is no longer there, so the caller decides
/// again on the order as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentWrite {
    /// The order becomes `order` (paid), and `event` is written.
    Paid { order: Box<Order>, expected: Version, event: Event },
    /// The order stays as it is; `event` (`order.payment_needs_attention`) is written.
    NeedsAttention { expected: Version, reason: AttentionReason, event: Event },
    /// Nothing but the record: this intent already paid the order.
    AlreadyApplied { expected: Version },
}

/// Whether a record was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded now, with its effect.
    New,
    /// This event id was recorded before: nothing was written.
    Replay,
}
