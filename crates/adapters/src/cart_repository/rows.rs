//! Carts as rows and back. A stored row that no longer passes the domain's
//! validation is reported as an internal error, never a panic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{Cart, CartId, CartLine, ProductId, Quantity, UserId, Version};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::{cart_items, carts};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = carts)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(super) struct CartRow {
    pub id: String,
    pub user_id: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cart_items)]
pub(super) struct CartItemRow {
    pub cart_id: String,
    pub product_id: String,
    pub quantity: i64,
    pub position: i32,
}

impl CartRow {
    pub fn from_cart(cart: &Cart) -> Self {
        Self {
            id: cart.id.to_string(),
            user_id: cart.user_id.to_string(),
            version: cart.version.get(),
            created_at: cart.created_at.naive_utc(),
            updated_at: cart.updated_at.naive_utc(),
        }
    }

    /// The cart with its `lines` (product id, quantity), in position order.
    pub fn into_cart(self, lines: Vec<(String, i64)>) -> Result<Cart, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("cart", &self.id, name, e);
        let lines = lines
            .into_iter()
            .map(|(product_id, quantity)| {
                Ok(CartLine {
                    product_id: ProductId::parse(&product_id).map_err(|e| field("product_id", &e))?,
                    quantity: Quantity::new(quantity).map_err(|e| field("quantity", &e))?,
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(Cart {
            id: CartId::parse(&self.id).map_err(|e| field("id", &e))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| field("user_id", &e))?,
            lines,
            version: Version::new(self.version).map_err(|e| field("version", &e))?,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

impl CartItemRow {
    /// The cart's lines, numbered in their order.
    pub fn from_cart(cart: &Cart) -> Vec<Self> {
        let id = cart.id.to_string();
        (0_i32..)
            .zip(&cart.lines)
            .map(|(position, line)| CartItemRow {
                cart_id: id.clone(),
                product_id: line.product_id.to_string(),
                quantity: line.quantity.get(),
                position,
            })
            .collect()
    }
}
