//! Event bodies (API.md, "Events"): as the feed lists them and as webhooks
//! deliver them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_app::FeedLimit;
use zonmart_domain::{Event, EventFilter, EventType, FeedPosition, ValidationErrors};
use zonmart_ports::FeedPage;

/// What an event is about, at its version after the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceRefBody {
    /// `order`, `product` or `user`.
    #[serde(rename = "type")]
    #[schema(example = "order")]
    pub kind: String,
    pub id: String,
    pub version: i64,
}

/// One event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    pub id: String,
    /// `order.placed`, `order.paid`, `order.shipped`, `order.delivered`,
    /// `order.cancelled`, `order.payment_needs_attention`, `product.created`,
    /// `product.updated`, `product.archived` or `user.registered`.
    #[serde(rename = "type")]
    #[schema(example = "order.placed")]
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub resource: ResourceRefBody,
    /// The resource's JSON as after the change (as its own endpoint shows it).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&Event> for EventBody {
    fn from(e: &Event) -> Self {
        EventBody {
            id: e.id.to_string(),
            kind: e.kind.as_str().to_owned(),
            created_at: e.created_at,
            resource: ResourceRefBody {
                kind: e.resource.kind.as_str().to_owned(),
                id: e.resource.id.to_string(),
                version: e.resource.version.get(),
            },
            // Written by this server from its own bodies: always JSON.
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A page of the feed, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPageBody {
    pub items: Vec<EventBody>,
    /// Never null: the position after the last event returned. An empty
    /// `items` means "caught up": ask again later with the same cursor.
    pub next_cursor: String,
}

impl From<FeedPage> for EventPageBody {
    fn from(page: FeedPage) -> Self {
        EventPageBody {
            items: page.events.iter().map(|(_, e)| EventBody::from(e)).collect(),
            next_cursor: page.next.encode(),
        }
    }
}

/// `GET /api/v1/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFeedQuery {
    /// Events per page, 1..=1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; without it, the oldest event kept.
    pub cursor: Option<String>,
    /// Comma list of event types, e.g. `order.paid,order.cancelled`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub types: Option<String>,
}

impl EventFeedQuery {
    pub fn check(&self) -> Result<(Option<FeedPosition>, EventFilter, FeedLimit), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let limit = self.limit.map(|l| errors.check("limit", FeedLimit::new(l))).unwrap_or(Some(FeedLimit::default()));
        let after = self.cursor.as_deref().and_then(|c| errors.check("cursor", FeedPosition::parse(c)));
        let filter = match self.types.as_deref() {
            None => EventFilter::All,
            Some(list) => {
                let kinds: Vec<Option<EventType>> =
                    list.split(',').map(|t| errors.check("type", t.trim().parse::<EventType>())).collect();
                EventFilter::Only(kinds.into_iter().flatten().collect())
            }
        };
        if self.cursor.is_some() && after.is_none() || !errors.is_empty() {
            return Err(errors);
        }
        Ok((after, filter, limit.unwrap_or_default()))
    }
}
