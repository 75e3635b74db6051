//! The `data` of events: each resource's JSON exactly as the API shows it
//! (the same bodies as its endpoints, so never a hash or a secret).

use serde::Serialize;
use zonmart_domain::{AttentionReason, Order, Product, User};
use zonmart_ports::ResourceJson;

use super::orders::OrderBody;
use super::products::ProductBody;
use super::users::UserBody;

/// Renders resources with the API's response bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiResourceJson;

fn to_json<T: Serialize>(body: &T) -> String {
    // These bodies are plain data (strings, numbers, lists): serializing
    // them cannot fail; an empty object keeps an impossible failure visible.
    serde_json::to_string(body).unwrap_or_else(|e| {
        tracing::error!(error = %e, "an event's data did not serialize");
        "{}".to_owned()
    })
}

impl ResourceJson for ApiResourceJson {
    fn order(&self, order: &Order) -> String {
        to_json(&OrderBody::from(order))
    }

    fn order_needing_attention(&self, order: &Order, reason: AttentionReason) -> String {
        #[derive(Serialize)]
        struct WithReason<'a> {
            #[serde(flatten)]
            order: OrderBody,
            reason: &'a str,
        }
        to_json(&WithReason { order: OrderBody::from(order), reason: reason.as_str() })
    }

    fn product(&self, product: &Product) -> String {
        to_json(&ProductBody::from(product))
    }

    fn user(&self, user: &User) -> String {
        to_json(&UserBody::from(user))
    }
}
