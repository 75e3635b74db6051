//! Webhook subscription and delivery bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{
    Delivery, EventFilter, EventType, NewWebhook, ValidationErrors, Webhook, WebhookChanges, WebhookDescription,
    WebhookUrl,
};

use super::double_option;
use super::rules;

fn event_filter(list: Vec<String>, errors: &mut ValidationErrors) -> Option<EventFilter> {
    if list.is_empty() {
        errors.push("events", "must name at least one event type, or be [\"*\"]");
        return None;
    }
    if list == ["*"] {
        return Some(EventFilter::All);
    }
    let kinds: Vec<Option<EventType>> = list.iter().map(|t| errors.check("events", t.parse::<EventType>())).collect();
    Some(EventFilter::Only(kinds.into_iter().flatten().collect()))
}

/// `POST /api/v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://erp.example.com/zonmart", "events": ["order.paid"], "description": "ERP"}))]
pub struct CreateWebhookRequest {
    pub url: String,
    /// Event types, or `["*"]` for every type.
    pub events: Vec<String>,
    pub description: Option<String>,
}

impl CreateWebhookRequest {
    pub fn into_domain(self) -> Result<NewWebhook, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let url = errors.check("url", WebhookUrl::parse(&self.url));
        let events = event_filter(self.events, &mut errors);
        let description = self.description.map(|d| errors.check("description", WebhookDescription::parse(&d)));
        match (url, events) {
            (Some(url), Some(events)) if errors.is_empty() => {
                Ok(NewWebhook { url, events, description: description.flatten() })
            }
            _ => Err(errors),
        }
    }
}

/// `PATCH /api/v1/webhooks/{id}`: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::webhook_description::optional)]
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateWebhookRequest {
    pub fn into_domain(self) -> Result<WebhookChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let url = self.url.map(|u| errors.check("url", WebhookUrl::parse(&u)));
        let events = self.events.map(|e| event_filter(e, &mut errors));
        let description =
            self.description.map(|d| d.map(|d| errors.check("description", WebhookDescription::parse(&d))));
        errors.into_result(|| WebhookChanges {
            url: url.flatten(),
            events: events.flatten(),
            description: description.map(Option::flatten),
            enabled: self.enabled,
        })
    }
}

/// A subscription as every answer shows it (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBody {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookBody {
    fn from(w: &Webhook) -> Self {
        WebhookBody {
            id: w.id.to_string(),
            url: w.url.as_str().to_owned(),
            events: match &w.events {
                EventFilter::All => vec!["*".to_owned()],
                EventFilter::Only(kinds) => kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            },
            description: w.description.as_ref().map(|d| d.as_str().to_owned()),
            enabled: w.enabled,
            version: w.version.get(),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// The answer to creating a subscription: the only one with `secret`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookBody {
    #[serde(flatten)]
    pub body: WebhookBody,
    /// Signs every delivery (`Zonmart-Signature`). Shown this once.
    pub secret: String,
}

/// One delivery of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryBody {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Delivery> for DeliveryBody {
    fn from(d: &Delivery) -> Self {
        DeliveryBody {
            id: d.id.to_string(),
            event_id: d.event_id.to_string(),
            event_type: d.event_type.as_str().to_owned(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error.clone(),
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// `GET /api/v1/webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    /// `pending`, `succeeded` or `failed`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
