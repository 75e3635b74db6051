//! Events: composing the event a change writes (its type chosen by the
//! domain, its data the resource's API JSON), and reading the feed.

use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::{
    Actor, AttentionReason, Event, EventFilter, EventId, EventType, FeedPosition, Limit, Order, Product, Scope,
    Timestamp, User,
};
use zonmart_ports::{Clock, EventStore, FeedPage, IdGenerator, OrderEventDraft, ResourceJson};

use crate::AppError;

#[cfg(test)]
mod tests;

/// How long events are kept (at least; the housekeeping purges older ones).
pub const EVENT_RETENTION: Duration = Duration::days(7);

/// Most events on one feed page; the default is 100.
pub const FEED_MAX_LIMIT: i64 = 1000;
pub const FEED_DEFAULT_LIMIT: u32 = 100;

/// Builds the events changes write. Cheap to clone.
#[derive(Clone)]
pub struct EventComposer {
    ids: Arc<dyn IdGenerator>,
    json: Arc<dyn ResourceJson>,
}

impl EventComposer {
    pub fn new(ids: Arc<dyn IdGenerator>, json: Arc<dyn ResourceJson>) -> Self {
        Self { ids, json }
    }

    fn id(&self) -> EventId {
        EventId::from_ulid(self.ids.generate())
    }

    pub fn product(&self, kind: EventType, product: &Product, at: Timestamp) -> Event {
        Event::new(self.id(), kind, (product.id.ulid(), product.version), self.json.product(product), at)
    }

    pub fn user(&self, kind: EventType, user: &User, at: Timestamp) -> Event {
        Event::new(self.id(), kind, (user.id.ulid(), user.version), self.json.user(user), at)
    }

    pub fn order(&self, kind: EventType, order: &Order, at: Timestamp) -> Event {
        Event::new(self.id(), kind, (order.id.ulid(), order.version), self.json.order(order), at)
    }

    /// `order.payment_needs_attention`: the order as it is (unchanged), and why.
    pub fn payment_needs_attention(&self, order: &Order, reason: AttentionReason, at: Timestamp) -> Event {
        let data = self.json.order_needing_attention(order, reason);
        Event::new(self.id(), EventType::OrderPaymentNeedsAttention, (order.id.ulid(), order.version), data, at)
    }

    /// For an order the adapter completes inside its transaction.
    pub fn order_draft(&self, kind: EventType, at: Timestamp) -> OrderEventDraft {
        OrderEventDraft { id: self.id(), kind, at, json: Arc::clone(&self.json) }
    }
}

/// The feed's page size, 1..=1000 (default 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLimit(u32);

impl FeedLimit {
    pub fn new(value: i64) -> Result<Self, &'static str> {
        if (1..=FEED_MAX_LIMIT).contains(&value) {
            Ok(FeedLimit(value as u32))
        } else {
            Err("must be between 1 and 1000")
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for FeedLimit {
    fn default() -> Self {
        FeedLimit(FEED_DEFAULT_LIMIT)
    }
}

impl From<Limit> for FeedLimit {
    fn from(limit: Limit) -> Self {
        FeedLimit(limit.get())
    }
}

/// The event feed (admins, or services with `events:read`).
#[derive(Clone)]
pub struct EventService {
    events: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
}

impl EventService {
    pub fn new(events: Arc<dyn EventStore>, clock: Arc<dyn Clock>) -> Self {
        Self { events, clock }
    }

    /// Events after `after`, oldest first; `next` is never behind `after`.
    pub async fn feed(
        &self,
        actor: &Actor,
        after: Option<FeedPosition>,
        filter: &EventFilter,
        limit: FeedLimit,
    ) -> Result<FeedPage, AppError> {
        actor.require(Scope::EventsRead)?;
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only an admin may read the event feed".into()));
        }
        Ok(self.events.feed(after.unwrap_or(FeedPosition::START), filter, limit.get()).await?)
    }

    /// Deletes events past [`EVENT_RETENTION`]; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, AppError> {
        Ok(self.events.purge_before(self.clock.now() - EVENT_RETENTION).await?)
    }
}
