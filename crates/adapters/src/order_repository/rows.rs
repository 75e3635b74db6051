//! Orders as rows and back. A stored row that no longer passes the domain's
//! validation is reported as an internal error, never a panic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{
    AddressField, CancelReason, CountryCode, Currency, DiscountCode, DiscountId, Order, OrderCheckout, OrderDiscount,
    OrderId, OrderLine, OrderShippingMethod, OrderStatus, PostalAddress, ProductId, Quantity, ShippingMethodId, UserId,
    Version,
};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::{order_items, orders};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(super) struct OrderRow {
    pub id: String,
    pub user_id: String,
    pub status: String,
    pub total_cents: i64,
    pub currency: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub ship_name: Option<String>,
    pub ship_line1: Option<String>,
    pub ship_line2: Option<String>,
    pub ship_city: Option<String>,
    pub ship_postal_code: Option<String>,
    pub ship_region: Option<String>,
    pub ship_country: Option<String>,
    pub ship_phone: Option<String>,
    pub shipping_method_id: Option<String>,
    pub shipping_method_name: Option<String>,
    pub shipping_method_price_cents: Option<i64>,
    pub discount_id: Option<String>,
    pub discount_code: Option<String>,
    pub paid_at: Option<NaiveDateTime>,
    pub payment_reference: Option<String>,
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_items)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(super) struct OrderItemRow {
    pub order_id: String,
    pub position: i32,
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

impl OrderRow {
    pub fn from_order(order: &Order) -> Self {
        let address = order.checkout.shipping_address.as_ref();
        let text = |field: fn(&PostalAddress) -> &AddressField| address.map(|a| field(a).as_str().to_owned());
        let optional = |field: fn(&PostalAddress) -> &Option<AddressField>| {
            address.and_then(|a| field(a).as_ref()).map(|f| f.as_str().to_owned())
        };
        let method = order.checkout.shipping_method.as_ref();
        let discount = order.checkout.discount.as_ref();
        Self {
            id: order.id.to_string(),
            user_id: order.user_id.to_string(),
            status: order.status.as_str().to_owned(),
            total_cents: order.total_cents,
            currency: order.currency.as_str().to_owned(),
            version: order.version.get(),
            created_at: order.created_at.naive_utc(),
            updated_at: order.updated_at.naive_utc(),
            subtotal_cents: order.subtotal_cents,
            discount_cents: order.discount_cents,
            shipping_cents: order.shipping_cents,
            tax_cents: order.tax_cents,
            ship_name: text(|a| &a.name),
            ship_line1: text(|a| &a.line1),
            ship_line2: optional(|a| &a.line2),
            ship_city: text(|a| &a.city),
            ship_postal_code: optional(|a| &a.postal_code),
            ship_region: optional(|a| &a.region),
            ship_country: address.map(|a| a.country.as_str().to_owned()),
            ship_phone: optional(|a| &a.phone),
            shipping_method_id: method.map(|m| m.id.to_string()),
            shipping_method_name: method.map(|m| m.name.clone()),
            shipping_method_price_cents: method.map(|m| m.price_cents),
            discount_id: discount.map(|d| d.id.to_string()),
            discount_code: discount.map(|d| d.code.as_str().to_owned()),
            paid_at: order.paid_at.map(|t| t.naive_utc()),
            payment_reference: order.payment_reference.clone(),
            cancel_reason: order.cancel_reason.map(|r| r.as_str().to_owned()),
        }
    }

    /// The order with its `lines`, which must be in position order.
    pub fn into_order(self, lines: Vec<OrderItemRow>) -> Result<Order, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("order", &self.id, name, e);
        let lines = lines
            .into_iter()
            .map(|line| {
                Ok(OrderLine {
                    product_id: ProductId::parse(&line.product_id).map_err(|e| field("product_id", &e))?,
                    name: line.name,
                    quantity: Quantity::new(line.quantity).map_err(|e| field("quantity", &e))?,
                    unit_price_cents: line.unit_price_cents,
                    line_total_cents: line.line_total_cents,
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        let text = |name: &str, value: &Option<String>| {
            value.as_deref().map(|v| AddressField::parse(v).map_err(|e| field(name, &e))).transpose()
        };
        let shipping_address = match (&self.ship_name, &self.ship_line1, &self.ship_city, &self.ship_country) {
            (Some(_), Some(_), Some(_), Some(country)) => Some(PostalAddress {
                name: text("ship_name", &self.ship_name)?.ok_or_else(|| field("ship_name", &"missing"))?,
                line1: text("ship_line1", &self.ship_line1)?.ok_or_else(|| field("ship_line1", &"missing"))?,
                line2: text("ship_line2", &self.ship_line2)?,
                city: text("ship_city", &self.ship_city)?.ok_or_else(|| field("ship_city", &"missing"))?,
                postal_code: text("ship_postal_code", &self.ship_postal_code)?,
                region: text("ship_region", &self.ship_region)?,
                country: CountryCode::parse(country).map_err(|e| field("ship_country", &e))?,
                phone: text("ship_phone", &self.ship_phone)?,
            }),
            _ => None,
        };
        let shipping_method =
            match (&self.shipping_method_id, &self.shipping_method_name, self.shipping_method_price_cents) {
                (Some(id), Some(name), Some(price_cents)) => Some(OrderShippingMethod {
                    id: ShippingMethodId::parse(id).map_err(|e| field("shipping_method_id", &e))?,
                    name: name.clone(),
                    price_cents,
                }),
                _ => None,
            };
        let discount = match (&self.discount_id, &self.discount_code) {
            (Some(id), Some(code)) => Some(OrderDiscount {
                id: DiscountId::parse(id).map_err(|e| field("discount_id", &e))?,
                code: DiscountCode::parse(code).map_err(|e| field("discount_code", &e))?,
            }),
            _ => None,
        };
        Ok(Order {
            id: OrderId::parse(&self.id).map_err(|e| field("id", &e))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| field("user_id", &e))?,
            status: self.status.parse::<OrderStatus>().map_err(|e| field("status", &e))?,
            lines,
            subtotal_cents: self.subtotal_cents,
            discount_cents: self.discount_cents,
            shipping_cents: self.shipping_cents,
            tax_cents: self.tax_cents,
            total_cents: self.total_cents,
            currency: Currency::parse(&self.currency).map_err(|e| field("currency", &e))?,
            checkout: OrderCheckout { shipping_address, shipping_method, discount },
            paid_at: self.paid_at.map(|t| t.and_utc()),
            payment_reference: self.payment_reference,
            cancel_reason: self
                .cancel_reason
                .as_deref()
                .map(|r| r.parse::<CancelReason>().map_err(|e| field("cancel_reason", &e)))
                .transpose()?,
            version: Version::new(self.version).map_err(|e| field("version", &e))?,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

impl OrderItemRow {
    /// The order's lines, numbered in their order.
    pub fn from_order(order: &Order) -> Vec<Self> {
        let id = order.id.to_string();
        (0_i32..)
            .zip(&order.lines)
            .map(|(position, line)| OrderItemRow {
                order_id: id.clone(),
                position,
                product_id: line.product_id.to_string(),
                name: line.name.clone(),
                quantity: line.quantity.get(),
                unit_price_cents: line.unit_price_cents,
                line_total_cents: line.line_total_cents,
            })
            .collect()
    }
}
