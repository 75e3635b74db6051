//! The outbox's ports: how a resource looks inside an event, the draft of
//! an event whose resource only the adapter's transaction completes, and
//! the event feed.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use zonmart_domain::{
    AttentionReason, Event, EventFilter, EventId, EventType, FeedPosition, Order, Product, Timestamp, User,
};

use crate::RepoError;

/// A resource's JSON as the API shows it (never anything secret), for the
/// `data` of its events. Implemented by the HTTP layer, which owns that shape.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait ResourceJson: Send + Sync {
    fn order(&self, order: &Order) -> String;
    /// The order's JSON plus `"reason"`: the data of `order.payment_needs_attention`.
    fn order_needing_attention(&self, order: &Order, reason: AttentionReason) -> String;
    fn product(&self, product: &Product) -> String;
    fn user(&self, user: &User) -> String;
}

/// An order event chosen before its order exists in full (placing one: the
/// prices are read inside the transaction), completed by the adapter there.
#[derive(Clone)]
pub struct OrderEventDraft {
    pub id: EventId,
    pub kind: EventType,
    pub at: Timestamp,
    pub json: Arc<dyn ResourceJson>,
}

impl OrderEventDraft {
    /// The event for `order` as it is after the change.
    pub fn complete(&self, order: &Order) -> Event {
        Event::new(self.id, self.kind, (order.id.ulid(), order.version), self.json.order(order), self.at)
    }
}

impl fmt::Debug for OrderEventDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderEventDraft").field("id", &self.id).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl PartialEq for OrderEventDraft {
    fn eq(&self, other: &Self) -> bool {
        (self.id, self.kind, self.at) == (other.id, other.kind, other.at)
    }
}

impl Eq for OrderEventDraft {}

/// One page of the feed, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    pub events: Vec<(FeedPosition, Event)>,
    /// After the last event returned; the `after` given when there is none.
    pub next: FeedPosition,
}

/// The outbox, read in commit order.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Up to `limit` events after `after` that match `filter`, oldest first.
    /// Only events no transaction still running can precede are returned,
    /// so following `next` yields every committed event exactly once.
    async fn feed(&self, after: FeedPosition, filter: &EventFilter, limit: u32) -> Result<FeedPage, RepoError>;

    /// Deletes events created before `before`; returns how many.
    async fn purge_before(&self, before: Timestamp) -> Result<u64, RepoError>;
}
