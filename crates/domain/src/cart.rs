//! Carts: one per user, lines of product and quantity; prices are always the
//! products' current ones, computed when the cart is shown.

use thiserror::Error;

use crate::ids::{CartId, ProductId, UserId};
use crate::money::Currency;
use crate::product::Product;
use crate::version::Version;
use crate::Timestamp;

/// Units of one product in a cart or order line: 1..=1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be a whole number from 1 to 1000")]
pub struct InvalidQuantity;

impl Quantity {
    pub const MAX: i64 = 1000;

    pub fn new(units: i64) -> Result<Self, InvalidQuantity> {
        if (1..=Self::MAX).contains(&units) {
            Ok(Self(units))
        } else {
            Err(InvalidQuantity)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Most lines a cart (or an order) may hold.
pub const MAX_LINES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: ProductId,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub id: CartId,
    pub user_id: UserId,
    /// In the order they were first added.
    pub lines: Vec<CartLine>,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CartError {
    #[error("a cart holds at most {MAX_LINES} different products")]
    TooManyLines,
    #[error("the product is not in the cart")]
    NotInCart,
}

impl Cart {
    /// An empty cart at version 1.
    pub fn new(id: CartId, user_id: UserId, now: Timestamp) -> Cart {
        Cart { id, user_id, lines: Vec::new(), version: Version::INITIAL, created_at: now, updated_at: now }
    }

    fn changed(&self, lines: Vec<CartLine>, now: Timestamp) -> Cart {
        Cart { lines, version: self.version.next(), updated_at: now, ..self.clone() }
    }

    /// Sets the quantity of a product's line, adding the line if needed.
    pub fn set_line(&self, product_id: ProductId, quantity: Quantity, now: Timestamp) -> Result<Cart, CartError> {
        let mut lines = self.lines.clone();
        let full = lines.len() >= MAX_LINES;
        match lines.iter_mut().find(|l| l.product_id == product_id) {
            Some(line) => line.quantity = quantity,
            None if full => return Err(CartError::TooManyLines),
            None => lines.push(CartLine { product_id, quantity }),
        }
        Ok(self.changed(lines, now))
    }

    pub fn remove_line(&self, product_id: ProductId, now: Timestamp) -> Result<Cart, CartError> {
        if !self.lines.iter().any(|l| l.product_id == product_id) {
            return Err(CartError::NotInCart);
        }
        let lines = self.lines.iter().copied().filter(|l| l.product_id != product_id).collect();
        Ok(self.changed(lines, now))
    }

    pub fn clear(&self, now: Timestamp) -> Cart {
        self.changed(Vec::new(), now)
    }
}

/// A cart line at the product's current price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

/// A cart as shown: lines priced now, the total and its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCart {
    pub cart: Cart,
    pub lines: Vec<PricedLine>,
    pub total_cents: i64,
    pub currency: Currency,
}

impl PricedCart {
    /// Prices `cart` with `products` (which must include every line's
    /// product; a line whose product is missing is left out). An empty
    /// cart's currency is the default.
    pub fn new(cart: Cart, products: &[Product]) -> PricedCart {
        let lines: Vec<PricedLine> = cart
            .lines
            .iter()
            .filter_map(|line| {
                let product = products.iter().find(|p| p.id == line.product_id)?;
                Some(PricedLine {
                    product_id: line.product_id,
                    quantity: line.quantity,
                    unit_price_cents: product.price.get(),
                    line_total_cents: product.price.get() * line.quantity.get(),
                })
            })
            .collect();
        let currency = cart
            .lines
            .first()
            .and_then(|first| products.iter().find(|p| p.id == first.product_id))
            .map(|p| p.currency.clone())
            .unwrap_or_default();
        let total_cents = lines.iter().map(|l| l.line_total_cents).sum();
        PricedCart { cart, lines, total_cents, currency }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use ulid::Ulid;

    fn t0() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    fn pid(n: u64) -> ProductId {
        ProductId::from_ulid(Ulid::from_parts(n, 0))
    }

    fn empty() -> Cart {
        Cart::new(CartId::from_ulid(Ulid::from_parts(9, 9)), UserId::from_ulid(Ulid::from_parts(1, 1)), t0())
    }

    fn q(n: i64) -> Quantity {
        Quantity::new(n).unwrap()
    }

    #[test]
    fn quantities_take_one_to_a_thousand() {
        assert!(Quantity::new(0).is_err());
        assert!(Quantity::new(1001).is_err());
        assert_eq!(Quantity::new(1000).unwrap().get(), 1000);
    }

    #[test]
    fn setting_a_line_adds_or_replaces_it_and_bumps_the_version() {
        let cart = empty().set_line(pid(1), q(2), t0()).unwrap().set_line(pid(1), q(5), t0()).unwrap();
        assert_eq!(cart.lines, vec![CartLine { product_id: pid(1), quantity: q(5) }]);
        assert_eq!(cart.version.get(), 3);
    }

    #[test]
    fn removing_a_line_not_in_the_cart_is_an_error() {
        assert_eq!(empty().remove_line(pid(1), t0()), Err(CartError::NotInCart));
        let cart = empty().set_line(pid(1), q(1), t0()).unwrap().remove_line(pid(1), t0()).unwrap();
        assert!(cart.lines.is_empty());
    }

    #[test]
    fn a_cart_holds_at_most_a_hundred_products() {
        let mut cart = empty();
        for n in 0..MAX_LINES as u64 {
            cart = cart.set_line(pid(n + 1), q(1), t0()).unwrap();
        }
        assert_eq!(cart.set_line(pid(1000), q(1), t0()), Err(CartError::TooManyLines));
        assert!(cart.set_line(pid(1), q(3), t0()).is_ok(), "changing an existing line still works");
    }

    #[test]
    fn clearing_empties_it_one_version_later() {
        let cart = empty().set_line(pid(1), q(1), t0()).unwrap().clear(t0());
        assert!(cart.lines.is_empty());
        assert_eq!(cart.version.get(), 3);
    }
}
