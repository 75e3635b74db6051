//! Order bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_app::OrderRequest;
use zonmart_domain::{
    AddressId, DiscountCode, Order, OrderItem, OrderItems, OrderLine, OrderStatus, Pricing, ProductId, Quantity,
    ShippingMethodId, ValidationErrors,
};
use zonmart_ports::{Checkout, ShipTo};

use super::addresses::{AddressRequest, ShippingAddressBody};

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
    pub quantity: i64,
}

/// `POST /api/v1/orders` and `POST /api/v1/checkout/quote`: either `items`,
/// or `"from_cart": true`; optionally where to ship, how, and a code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"product_id": "01JDQ3M6Z9Y8X7W6V5T4S3R2Q1", "quantity": 2}]}))]
pub struct PlaceOrderRequest {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Option<Vec<OrderItemRequest>>,
    /// Order the caller's cart (and empty it).
    pub from_cart: Option<bool>,
    /// Where to ship (or `shipping_address_id`, not both).
    pub shipping_address: Option<AddressRequest>,
    /// One of the caller's saved addresses.
    #[schema(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub shipping_address_id: Option<String>,
    /// Needs a shipping address.
    #[schema(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub shipping_method_id: Option<String>,
    /// Matched ignoring case.
    pub discount_code: Option<String>,
}

impl PlaceOrderRequest {
    pub fn into_domain(self) -> Result<(OrderRequest, Checkout), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let ship_to = match (&self.shipping_address, &self.shipping_address_id) {
            (Some(_), Some(_)) => {
                errors.push("shipping_address_id", "send either shipping_address or shipping_address_id, not both");
                None
            }
            (Some(address), None) => match address.into_domain("shipping_address.") {
                Ok(address) => Some(ShipTo::Address(address)),
                Err(e) => {
                    e.errors().iter().for_each(|f| errors.push(f.field.clone(), f.message.clone()));
                    None
                }
            },
            (None, Some(id)) => errors.check("shipping_address_id", AddressId::parse(id)).map(ShipTo::Saved),
            (None, None) => None,
        };
        let shipping_method = self
            .shipping_method_id
            .as_deref()
            .and_then(|id| errors.check("shipping_method_id", ShippingMethodId::parse(id)));
        let discount_code =
            self.discount_code.as_deref().and_then(|c| errors.check("discount_code", DiscountCode::parse(c)));
        let request = Self::lines(self.items, self.from_cart);
        match request {
            Ok(request) if errors.is_empty() => Ok((request, Checkout { ship_to, shipping_method, discount_code })),
            Ok(_) => Err(errors),
            Err(lines) => {
                lines.errors().iter().for_each(|f| errors.push(f.field.clone(), f.message.clone()));
                Err(errors)
            }
        }
    }

    fn lines(items: Option<Vec<OrderItemRequest>>, from_cart: Option<bool>) -> Result<OrderRequest, ValidationErrors> {
        match (items, from_cart) {
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

impl From<&OrderLine> for OrderLineBody {
    fn from(l: &OrderLine) -> Self {
        OrderLineBody {
            product_id: l.product_id.to_string(),
            name: l.name.clone(),
            quantity: l.quantity.get(),
            unit_price_cents: l.unit_price_cents,
            line_total_cents: l.line_total_cents,
        }
    }
}

/// The shipping method as it was when the order was placed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderShippingMethodBody {
    pub id: String,
    pub name: String,
    /// The method's price then (`shipping_cents` may be 0: free over a threshold).
    pub price_cents: i64,
}

/// Why an order was cancelled.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelReasonBody {
    Customer,
    Admin,
    PaymentTimeout,
}

impl From<zonmart_domain::CancelReason> for CancelReasonBody {
    fn from(r: zonmart_domain::CancelReason) -> Self {
        match r {
            zonmart_domain::CancelReason::Customer => CancelReasonBody::Customer,
            zonmart_domain::CancelReason::Admin => CancelReasonBody::Admin,
            zonmart_domain::CancelReason::PaymentTimeout => CancelReasonBody::PaymentTimeout,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderBody {
    pub id: String,
    pub user_id: String,
    pub status: StatusParam,
    pub items: Vec<OrderLineBody>,
    /// Σ `unit_price_cents × quantity`.
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    /// `subtotal − discount + shipping + tax`.
    pub total_cents: i64,
    pub currency: String,
    /// The address as it was when ordering.
    pub shipping_address: Option<ShippingAddressBody>,
    pub shipping_method: Option<OrderShippingMethodBody>,
    /// The code used, upper-case.
    pub discount_code: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_reference: Option<String>,
    pub cancel_reason: Option<CancelReasonBody>,
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
            items: o.lines.iter().map(OrderLineBody::from).collect(),
            subtotal_cents: o.subtotal_cents,
            discount_cents: o.discount_cents,
            shipping_cents: o.shipping_cents,
            tax_cents: o.tax_cents,
            total_cents: o.total_cents,
            currency: o.currency.as_str().to_owned(),
            shipping_address: o.checkout.shipping_address.as_ref().map(ShippingAddressBody::from),
            shipping_method: o.checkout.shipping_method.as_ref().map(|m| OrderShippingMethodBody {
                id: m.id.to_string(),
                name: m.name.clone(),
                price_cents: m.price_cents,
            }),
            discount_code: o.checkout.discount.as_ref().map(|d| d.code.as_str().to_owned()),
            paid_at: o.paid_at,
            payment_reference: o.payment_reference.clone(),
            cancel_reason: o.cancel_reason.map(Into::into),
            version: o.version.get(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// What an order would cost (`POST /api/v1/checkout/quote`).
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteBody {
    pub items: Vec<OrderLineBody>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub currency: String,
}

impl From<&Pricing> for QuoteBody {
    fn from(p: &Pricing) -> Self {
        QuoteBody {
            items: p.lines.iter().map(OrderLineBody::from).collect(),
            subtotal_cents: p.subtotal_cents,
            discount_cents: p.discount_cents,
            shipping_cents: p.shipping_cents,
            tax_cents: p.tax_cents,
            total_cents: p.total_cents,
            currency: p.currency.as_str().to_owned(),
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
