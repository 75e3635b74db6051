//! Cart bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonmart_domain::PricedCart;

/// `PUT /api/v1/cart/items/{product_id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"quantity": 2, "version": 1}))]
pub struct SetCartItemRequest {
    /// 1..=1000.
    pub quantity: i64,
    /// The cart version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CartItemBody {
    pub product_id: String,
    pub quantity: i64,
    /// The product's current price.
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

/// The caller's cart, priced with current prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartBody {
    pub id: String,
    pub items: Vec<CartItemBody>,
    pub total_cents: i64,
    pub currency: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PricedCart> for CartBody {
    fn from(c: &PricedCart) -> Self {
        CartBody {
            id: c.cart.id.to_string(),
            items: c
                .lines
                .iter()
                .map(|l| CartItemBody {
                    product_id: l.product_id.to_string(),
                    quantity: l.quantity.get(),
                    unit_price_cents: l.unit_price_cents,
                    line_total_cents: l.line_total_cents,
                })
                .collect(),
            total_cents: c.total_cents,
            currency: c.currency.as_str().to_owned(),
            version: c.cart.version.get(),
            created_at: c.cart.created_at,
            updated_at: c.cart.updated_at,
        }
    }
}
