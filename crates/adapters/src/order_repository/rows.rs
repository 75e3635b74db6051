//! Orders as rows and back. A stored row that no longer passes the domain's
//! validation is reported as an internal error, never a panic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{Currency, Order, OrderId, OrderLine, OrderStatus, ProductId, Quantity, UserId, Version};
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
        Self {
            id: order.id.to_string(),
            user_id: order.user_id.to_string(),
            status: order.status.as_str().to_owned(),
            total_cents: order.total_cents,
            currency: order.currency.as_str().to_owned(),
            version: order.version.get(),
            created_at: order.created_at.naive_utc(),
            updated_at: order.updated_at.naive_utc(),
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
        Ok(Order {
            id: OrderId::parse(&self.id).map_err(|e| field("id", &e))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| field("user_id", &e))?,
            status: self.status.parse::<OrderStatus>().map_err(|e| field("status", &e))?,
            lines,
            total_cents: self.total_cents,
            currency: Currency::parse(&self.currency).map_err(|e| field("currency", &e))?,
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
