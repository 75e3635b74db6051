//! Order bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_app::OrderRequest;
use zonmart_domain::{Order, OrderItem, OrderItems, OrderStatus, ProductId, Quantity, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusParam {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl From<StatusParam> for OrderStatus {
    fn from(s: StatusParam) -> Self {
        match s {
            StatusParam::Pending => OrderStatus::Pending,
            StatusParam::Paid => OrderStatus::Paid,
            StatusParam::Shipped => OrderStatus::Shipped,
            StatusParam::Delivered => OrderStatus::Delivered,
            StatusParam::Cancelled => OrderStatus::Cancelled,
        }
    }
}

impl From<OrderStatus> for StatusParam {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::Pending => StatusParam::Pending,
            OrderStatus::Paid => StatusParam::Paid,
            OrderStatus::Shipped => StatusParam::Shipped,
            OrderStatus::Delivered => StatusParam::Delivered,
            OrderStatus::Cancelled => StatusParam::Cancelled,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderItemRequest {
    #[schema(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub product_id: String,
    /// 1..=1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

/// `POST /api/v1/orders`: either `items`, or `"from_cart": true`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"product_id": "01JDQ3M6Z9Y8X7W6V5T4S3R2Q1", "quantity": 2}]}))]
pub struct PlaceOrderRequest {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Option<Vec<OrderItemRequest>>,
    /// Order the caller's cart (and empty it).
    pub from_cart: Option<bool>,
}

impl PlaceOrderRequest {
    pub fn into_domain(self) -> Result<OrderRequest, ValidationErrors> {
        match (self.items, self.from_cart) {
            (Some(_), Some(true)) => {
                Err(ValidationErrors::single("from_cart", "send either items or from_cart, not both"))
            }
            (None, Some(true)) => Ok(OrderRequest::FromCart),
            (None, _) => Err(ValidationErrors::single("items", "is required (or send \"from_cart\": true)")),
            (Some(items), _) => {
                let mut errors = ValidationErrors::new();
                let lines: Vec<Option<OrderItem>> = items
                    .iter()
                    .enumerate()
                    .map(|(n, item)| {
                        let product_id =
                            errors.check(&format!("items.{n}.product_id"), ProductId::parse(&item.product_id));
                        let quantity = errors.check(&format!("items.{n}.quantity"), Quantity::new(item.quantity));
                        Some(OrderItem { product_id: product_id?, quantity: quantity? })
                    })
                    .collect();
                if !errors.is_empty() {
                    return Err(errors);
                }
                OrderItems::new(lines.into_iter().flatten().collect()).map(OrderRequest::Items)
            }
        }
    }
}

/// `PATCH /api/v1/orders/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "cancelled", "version": 1}))]
pub struct UpdateOrderRequest {
    pub status: StatusParam,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineBody {
    pub product_id: String,
    /// The product's name when ordered.
    pub name: String,
    pub quantity: i64,
    /// The price when ordered.
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderBody {
    pub id: String,
    pub user_id: String,
    pub status: StatusParam,
    pub items: Vec<OrderLineBody>,
    pub total_cents: i64,
    pub currency: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Order> for OrderBody {
    fn from(o: &Order) -> Self {
        OrderBody {
            id: o.id.to_string(),
            user_id: o.user_id.to_string(),
            status: o.status.into(),
            items: o
                .lines
                .iter()
                .map(|l| OrderLineBody {
                    product_id: l.product_id.to_string(),
                    name: l.name.clone(),
                    quantity: l.quantity.get(),
                    unit_price_cents: l.unit_price_cents,
                    line_total_cents: l.line_total_cents,
                })
                .collect(),
            total_cents: o.total_cents,
            currency: o.currency.as_str().to_owned(),
            version: o.version.get(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// Filters and page of `GET /api/v1/orders`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    pub status: Option<StatusParam>,
    /// Admins: one user's orders. Customers may only name themselves.
    pub user_id: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
