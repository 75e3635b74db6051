//! The payment provider's webhook (API.md, "Payments"): Stripe's event
//! format, read leniently (providers send many members Zonmart ignores),
//! and Zonmart's answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonmart_app::{PaymentNotice, PaymentResult};
use zonmart_domain::{OrderId, PaymentEventId, PaymentSucceeded};

use crate::extract::json::from_value;
use crate::problem::ApiError;

/// The one event type Zonmart acts on.
pub const PAYMENT_SUCCEEDED: &str = "payment_intent.succeeded";

/// A provider event (Stripe's format). Members not listed are ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentEventBody {
    /// The provider's event id; the same id again is handled once.
    #[schema(example = "evt_1NirD82eZvKYlo2CIvbtLWuY")]
    pub id: String,
    /// Only `payment_intent.succeeded` is acted on; other types are ignored.
    #[serde(rename = "type")]
    #[schema(example = "payment_intent.succeeded")]
    pub kind: String,
    pub data: PaymentEventData,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentEventData {
    /// The payment intent (for `payment_intent.*` events).
    #[schema(value_type = PaymentIntentBody)]
    pub object: serde_json::Value,
}

/// A payment intent, as far as Zonmart reads it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentIntentBody {
    #[schema(example = "pi_3NirD82eZvKYlo2C1ZbGkz9X")]
    pub id: String,
    /// Minor units; must equal the order's `total_cents`.
    pub amount_received: i64,
    /// Compared with the order's currency case-insensitively.
    #[schema(example = "usd")]
    pub currency: String,
    #[serde(default)]
    pub metadata: Option<PaymentMetadata>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PaymentMetadata {
    /// The Zonmart order the payment is for.
    #[serde(default)]
    pub order_id: Option<String>,
}

/// `payment_intent.succeeded`, with its object read as a payment intent.
#[derive(Debug, Deserialize)]
struct SucceededBody {
    data: SucceededData,
}

#[derive(Debug, Deserialize)]
struct SucceededData {
    object: PaymentIntentBody,
}

impl PaymentEventBody {
    /// The event id and what the event means to Zonmart, from the verified
    /// body's JSON. An intent naming no order id of Zonmart's shape is for
    /// something else: ignored.
    pub fn read(document: serde_json::Value) -> Result<(PaymentEventId, PaymentNotice), ApiError> {
        let event: PaymentEventBody = from_value(document.clone())?;
        let event_id = PaymentEventId::parse(&event.id)
            .ok_or_else(|| ApiError::invalid("id", "must be 1 to 255 printable ASCII characters"))?;
        if event.kind != PAYMENT_SUCCEEDED {
            return Ok((event_id, PaymentNotice::Ignored));
        }
        let intent = from_value::<SucceededBody>(document)?.data.object;
        let order_id = intent.metadata.and_then(|m| m.order_id).and_then(|id| id.parse::<OrderId>().ok());
        let Some(order_id) = order_id else {
            return Ok((event_id, PaymentNotice::Ignored));
        };
        let payment = PaymentSucceeded {
            intent_id: intent.id,
            order_id,
            amount_received: intent.amount_received,
            currency: intent.currency,
        };
        Ok((event_id, PaymentNotice::Succeeded(payment)))
    }
}

/// What the event did. Every handled event answers 200, whatever it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentReplyBody {
    pub received: bool,
    /// `paid`, `needs_attention`, `ignored` or `replayed` (this event id was handled before).
    #[schema(example = "paid")]
    pub result: &'static str,
    /// With `needs_attention`: `after_cancel`, `duplicate` or `amount_mismatch`.
    #[schema(example = json!(null))]
    pub reason: Option<&'static str>,
}

impl From<PaymentResult> for PaymentReplyBody {
    fn from(result: PaymentResult) -> Self {
        let (result, reason) = match result {
            PaymentResult::Paid => ("paid", None),
            PaymentResult::NeedsAttention(reason) => ("needs_attention", Some(reason.as_str())),
            PaymentResult::Ignored => ("ignored", None),
            PaymentResult::Replayed => ("replayed", None),
        };
        PaymentReplyBody { received: true, result, reason }
    }
}
