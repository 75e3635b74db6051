//! Events: what other apps hear about. Which change writes which event is
//! decided here; the adapters write each one in the transaction of its
//! change (the outbox), and the feed and the webhooks read them from there.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use ulid::Ulid;

use crate::ids::EventId;
use crate::order::OrderStatus;
use crate::version::Version;
use crate::Timestamp;

/// The kinds of event (API.md, "Events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    OrderPlaced,
    OrderPaid,
    OrderShipped,
    OrderDelivered,
    OrderCancelled,
    /// A payment that could not be applied (written by the payments flow).
    OrderPaymentNeedsAttention,
    ProductCreated,
    /// A write through the products API (stock moved by orders writes none).
    ProductUpdated,
    ProductArchived,
    UserRegistered,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("is not an event type")]
pub struct InvalidEventType;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    Order,
    Product,
    User,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Order => "order",
            ResourceType::Product => "product",
            ResourceType::User => "user",
        }
    }
}

impl FromStr for ResourceType {
    type Err = InvalidEventType;
    fn from_str(s: &str) -> Result<Self, InvalidEventType> {
        match s {
            "order" => Ok(ResourceType::Order),
            "product" => Ok(ResourceType::Product),
            "user" => Ok(ResourceType::User),
            _ => Err(InvalidEventType),
        }
    }
}

impl EventType {
    pub const ALL: [EventType; 10] = [
        EventType::OrderPlaced,
        EventType::OrderPaid,
        EventType::OrderShipped,
        EventType::OrderDelivered,
        EventType::OrderCancelled,
        EventType::OrderPaymentNeedsAttention,
        EventType::ProductCreated,
        EventType::ProductUpdated,
        EventType::ProductArchived,
        EventType::UserRegistered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderPlaced => "order.placed",
            EventType::OrderPaid => "order.paid",
            EventType::OrderShipped => "order.shipped",
            EventType::OrderDelivered => "order.delivered",
            EventType::OrderCancelled => "order.cancelled",
            EventType::OrderPaymentNeedsAttention => "order.payment_needs_attention",
            EventType::ProductCreated => "product.created",
            EventType::ProductUpdated => "product.updated",
            EventType::ProductArchived => "product.archived",
            EventType::UserRegistered => "user.registered",
        }
    }

    pub fn resource_type(self) -> ResourceType {
        match self {
            EventType::OrderPlaced
            | EventType::OrderPaid
            | EventType::OrderShipped
            | EventType::OrderDelivered
            | EventType::OrderCancelled
            | EventType::OrderPaymentNeedsAttention => ResourceType::Order,
            EventType::ProductCreated | EventType::ProductUpdated | EventType::ProductArchived => ResourceType::Product,
            EventType::UserRegistered => ResourceType::User,
        }
    }

    /// The event an order's move to `status` writes (`pending` is placing).
    pub fn for_order_status(status: OrderStatus) -> EventType {
        match status {
            OrderStatus::Pending => EventType::OrderPlaced,
            OrderStatus::Paid => EventType::OrderPaid,
            OrderStatus::Shipped => EventType::OrderShipped,
            OrderStatus::Delivered => EventType::OrderDelivered,
            OrderStatus::Cancelled => EventType::OrderCancelled,
        }
    }
}

impl FromStr for EventType {
    type Err = InvalidEventType;
    fn from_str(s: &str) -> Result<Self, InvalidEventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s).ok_or(InvalidEventType)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource an event is about, at its version after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRef {
    pub kind: ResourceType,
    pub id: Ulid,
    pub version: Version,
}

/// One event of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    pub kind: EventType,
    pub created_at: Timestamp,
    pub resource: ResourceRef,
    /// The resource's JSON as after the change (as the API shows it, so
    /// never anything secret), as JSON text.
    pub data: String,
}

impl Event {
    /// An event of `kind` about resource `id` at `version`.
    pub fn new(id: EventId, kind: EventType, resource: (Ulid, Version), data: String, at: Timestamp) -> Event {
        let (resource_id, version) = resource;
        Event {
            id,
            kind,
            created_at: at,
            resource: ResourceRef { kind: kind.resource_type(), id: resource_id, version },
            data,
        }
    }
}

/// Which types a consumer wants: every type, or some.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EventFilter {
    #[default]
    All,
    Only(Vec<EventType>),
}

impl EventFilter {
    /// A subscription's list: `["*"]` is every type.
    pub fn wants(&self, kind: EventType) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(kinds) => kinds.contains(&kind),
        }
    }
}

/// A place in the event feed: just after the event with this `(commit
/// group, sequence)`, the order the feed is read in. Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeedPosition {
    /// PostgreSQL: the writing transaction's id; SQLite: 0.
    pub group: i64,
    pub seq: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("is not a cursor of this feed")]
pub struct InvalidFeedPosition;

impl FeedPosition {
    /// The feed's start, before any event.
    pub const START: FeedPosition = FeedPosition { group: 0, seq: 0 };

    pub fn encode(self) -> String {
        format!("e{}.{}", self.group, self.seq)
    }

    pub fn parse(s: &str) -> Result<Self, InvalidFeedPosition> {
        let digits = |part: &str| {
            (!part.is_empty() && part.len() <= 19 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<i64>().ok())
                .flatten()
        };
        let (group, seq) = s.strip_prefix('e').and_then(|rest| rest.split_once('.')).ok_or(InvalidFeedPosition)?;
        match (digits(group), digits(seq)) {
            (Some(group), Some(seq)) => Ok(FeedPosition { group, seq }),
            _ => Err(InvalidFeedPosition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_position_round_trips_and_nothing_else_parses() {
        let at = FeedPosition { group: 812, seq: 44 };
        assert_eq!(FeedPosition::parse(&at.encode()), Ok(at));
        for bad in ["", "e", "e1", "e1.", "e.1", "e-1.2", "x1.2", "e1.2.3", "e99999999999999999999.1"] {
            assert_eq!(FeedPosition::parse(bad), Err(InvalidFeedPosition), "{bad}");
        }
    }

    #[test]
    fn every_type_parses_from_its_name() {
        for kind in EventType::ALL {
            assert_eq!(kind.as_str().parse::<EventType>(), Ok(kind));
        }
        assert_eq!("order.refunded".parse::<EventType>(), Err(InvalidEventType));
    }

    #[test]
    fn each_status_move_has_its_event() {
        assert_eq!(EventType::for_order_status(OrderStatus::Paid), EventType::OrderPaid);
        assert_eq!(EventType::for_order_status(OrderStatus::Cancelled), EventType::OrderCancelled);
        assert_eq!(EventType::OrderCancelled.resource_type(), ResourceType::Order);
        assert_eq!(EventType::UserRegistered.resource_type(), ResourceType::User);
    }

    #[test]
    fn a_filter_wants_its_types_only() {
        let only = EventFilter::Only(vec![EventType::OrderPaid]);
        assert!(only.wants(EventType::OrderPaid));
        assert!(!only.wants(EventType::OrderPlaced));
        assert!(EventFilter::All.wants(EventType::UserRegistered));
    }
}
