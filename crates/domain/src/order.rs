//! Orders: the lines and totals fixed when an order is placed, and the
//! status state machine `pending → paid → shipped → delivered`,
//! `pending | paid → cancelled`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

use crate::actor::Actor;
use crate::cart::{Quantity, MAX_LINES};
use crate::ids::{OrderId, ProductId, UserId};
use crate::money::{Currency, PriceCents};
use crate::validation::ValidationErrors;
use crate::version::Version;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be one of: pending, paid, shipped, delivered, cancelled")]
pub struct InvalidStatus;

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] =
        [OrderStatus::Pending, OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// The state machine: which moves exist at all.
    pub fn can_become(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!((self, to), (Pending, Paid) | (Paid, Shipped) | (Shipped, Delivered) | (Pending | Paid, Cancelled))
    }
}

impl FromStr for OrderStatus {
    type Err = InvalidStatus;
    fn from_str(s: &str) -> Result<Self, InvalidStatus> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or(InvalidStatus)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of an order request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderItem {
    pub product_id: ProductId,
    pub quantity: Quantity,
}

/// The lines of an order request: 1..=100, each product once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItems(Vec<OrderItem>);

impl OrderItems {
    /// Checks the request's lines; errors name `items` or `items.N.product_id`.
    pub fn new(items: Vec<OrderItem>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if items.is_empty() {
            errors.push("items", "must hold at least one line");
        }
        if items.len() > MAX_LINES {
            errors.push("items", format!("must hold at most {MAX_LINES} lines"));
        }
        let mut seen = HashSet::new();
        for (n, item) in items.iter().enumerate() {
            if !seen.insert(item.product_id) {
                errors.push(format!("items.{n}.product_id"), "appears in an earlier line; combine the quantities");
            }
        }
        errors.into_result(|| OrderItems(items))
    }

    pub fn items(&self) -> &[OrderItem] {
        &self.0
    }

    /// The lines sorted by product id: every writer locks products in this
    /// one order, so concurrent orders cannot deadlock.
    pub fn in_lock_order(&self) -> Vec<OrderItem> {
        let mut sorted = self.0.clone();
        sorted.sort_by_key(|item| item.product_id);
        sorted
    }
}

/// A product's terms at the moment it is ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedItem {
    pub product_id: ProductId,
    pub name: String,
    pub quantity: Quantity,
    pub unit_price: PriceCents,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub product_id: ProductId,
    /// The product's name when ordered.
    pub name: String,
    pub quantity: Quantity,
    /// The price when ordered; later price changes do not touch it.
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub user_id: UserId,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    pub currency: Currency,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An order must be in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("an order must be in one currency; these products are priced in another")]
pub struct MixedCurrencies {
    pub product_ids: Vec<ProductId>,
}

/// Why a status change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum StatusChangeError {
    /// The state machine has no such move.
    #[error("an order that is {from} cannot become {to}")]
    InvalidTransition { from: OrderStatus, to: OrderStatus },
    /// The move exists, but not for this caller.
    #[error("customers may only cancel their own pending orders")]
    Forbidden,
}

impl Order {
    /// A pending order of `items` (in the client's order) at version 1: prices
    /// copied into the lines, the total computed, one currency required.
    pub fn place(
        id: OrderId,
        user_id: UserId,
        items: Vec<PricedItem>,
        now: Timestamp,
    ) -> Result<Order, MixedCurrencies> {
        let currency = items.first().map(|i| i.currency.clone()).unwrap_or_default();
        let foreign: Vec<ProductId> = items.iter().filter(|i| i.currency != currency).map(|i| i.product_id).collect();
        if !foreign.is_empty() {
            return Err(MixedCurrencies { product_ids: foreign });
        }
        let lines: Vec<OrderLine> = items
            .into_iter()
            .map(|i| OrderLine {
                product_id: i.product_id,
                name: i.name,
                quantity: i.quantity,
                unit_price_cents: i.unit_price.get(),
                // Bounded by PriceCents::MAX × Quantity::MAX × MAX_LINES < i64::MAX.
                line_total_cents: i.unit_price.get() * i.quantity.get(),
            })
            .collect();
        let total_cents = lines.iter().map(|l| l.line_total_cents).sum();
        Ok(Order {
            id,
            user_id,
            status: OrderStatus::Pending,
            lines,
            total_cents,
            currency,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        })
    }

    /// The order after `actor` moves it to `to`, one version later. Admins
    /// may make any move the state machine has; customers (on their own
    /// orders) only `pending → cancelled`.
    pub fn change_status(&self, to: OrderStatus, actor: &Actor, now: Timestamp) -> Result<Order, StatusChangeError> {
        if !self.status.can_become(to) {
            return Err(StatusChangeError::InvalidTransition { from: self.status, to });
        }
        let customer_may = self.status == OrderStatus::Pending && to == OrderStatus::Cancelled;
        if !actor.is_admin() && !customer_may {
            return Err(StatusChangeError::Forbidden);
        }
        Ok(Order { status: to, version: self.version.next(), updated_at: now, ..self.clone() })
    }

    /// Whether moving to `to` puts the ordered units back in stock.
    pub fn restocks_on(to: OrderStatus) -> bool {
        to == OrderStatus::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use chrono::TimeZone;
    use ulid::Ulid;
    use OrderStatus::*;

    fn t0() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    fn pid(n: u64) -> ProductId {
        ProductId::from_ulid(Ulid::from_parts(n, 0))
    }

    fn item(n: u64, price: i64, qty: i64, currency: &str) -> PricedItem {
        PricedItem {
            product_id: pid(n),
            name: format!("product {n}"),
            quantity: Quantity::new(qty).unwrap(),
            unit_price: PriceCents::new(price).unwrap(),
            currency: Currency::parse(currency).unwrap(),
        }
    }

    fn order(status: OrderStatus) -> Order {
        let mut o = Order::place(
            OrderId::from_ulid(Ulid::from_parts(5, 5)),
            UserId::from_ulid(Ulid::from_parts(1, 1)),
            vec![item(1, 250, 2, "USD")],
            t0(),
        )
        .unwrap();
        o.status = status;
        o
    }

    fn actor(role: Role) -> Actor {
        Actor::user(UserId::from_ulid(Ulid::from_parts(1, 1)), role)
    }

    #[test]
    fn the_state_machine_has_exactly_the_documented_moves() {
        let allowed = [(Pending, Paid), (Paid, Shipped), (Shipped, Delivered), (Pending, Cancelled), (Paid, Cancelled)];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from} → {to}");
            }
        }
    }

    #[test]
    fn placing_copies_prices_and_computes_totals() {
        let o = Order::place(
            OrderId::from_ulid(Ulid::from_parts(5, 5)),
            UserId::from_ulid(Ulid::from_parts(1, 1)),
            vec![item(1, 1999, 3, "EUR"), item(2, 1, 1000, "EUR")],
            t0(),
        )
        .unwrap();
        assert_eq!(o.lines[0].line_total_cents, 5997);
        assert_eq!(o.lines[1].line_total_cents, 1000);
        assert_eq!(o.total_cents, 6997);
        assert_eq!(o.currency.as_str(), "EUR");
        assert_eq!((o.status, o.version), (Pending, Version::INITIAL));
    }

    #[test]
    fn an_order_in_two_currencies_is_refused_naming_the_odd_products() {
        let err = Order::place(
            OrderId::from_ulid(Ulid::from_parts(5, 5)),
            UserId::from_ulid(Ulid::from_parts(1, 1)),
            vec![item(1, 100, 1, "USD"), item(2, 100, 1, "EUR")],
            t0(),
        )
        .unwrap_err();
        assert_eq!(err.product_ids, vec![pid(2)]);
    }

    #[test]
    fn a_customer_cancels_only_a_pending_order() {
        let me = actor(Role::Customer);
        let cancelled = order(Pending).change_status(Cancelled, &me, t0()).unwrap();
        assert_eq!((cancelled.status, cancelled.version.get()), (Cancelled, 2));
        assert_eq!(order(Paid).change_status(Cancelled, &me, t0()), Err(StatusChangeError::Forbidden));
        assert_eq!(order(Pending).change_status(Paid, &me, t0()), Err(StatusChangeError::Forbidden));
    }

    #[test]
    fn a_move_the_machine_lacks_is_an_invalid_transition_for_everyone() {
        for role in [Role::Customer, Role::Admin] {
            let err = order(Shipped).change_status(Cancelled, &actor(role), t0()).unwrap_err();
            assert_eq!(err, StatusChangeError::InvalidTransition { from: Shipped, to: Cancelled });
            assert!(order(Cancelled).change_status(Cancelled, &actor(role), t0()).is_err());
        }
    }

    #[test]
    fn an_admin_makes_every_allowed_move() {
        let admin = actor(Role::Admin);
        let delivered = order(Pending)
            .change_status(Paid, &admin, t0())
            .and_then(|o| o.change_status(Shipped, &admin, t0()))
            .and_then(|o| o.change_status(Delivered, &admin, t0()))
            .unwrap();
        assert_eq!((delivered.status, delivered.version.get()), (Delivered, 4));
        assert!(order(Paid).change_status(Cancelled, &admin, t0()).is_ok());
    }

    #[test]
    fn only_cancelling_restocks() {
        assert!(Order::restocks_on(Cancelled));
        assert!(OrderStatus::ALL.iter().filter(|s| **s != Cancelled).all(|s| !Order::restocks_on(*s)));
    }

    #[test]
    fn order_items_need_one_to_a_hundred_distinct_products() {
        assert_eq!(OrderItems::new(vec![]).unwrap_err().errors()[0].field, "items");
        let line = |n| OrderItem { product_id: pid(n), quantity: Quantity::new(1).unwrap() };
        let dup = OrderItems::new(vec![line(1), line(2), line(1)]).unwrap_err();
        assert_eq!(dup.errors()[0].field, "items.2.product_id");
        let many: Vec<_> = (0..101).map(line).collect();
        assert!(OrderItems::new(many).is_err());
    }

    #[test]
    fn lines_are_locked_in_product_id_order() {
        let line = |n| OrderItem { product_id: pid(n), quantity: Quantity::new(1).unwrap() };
        let items = OrderItems::new(vec![line(3), line(1), line(2)]).unwrap();
        let order: Vec<_> = items.in_lock_order().iter().map(|i| i.product_id).collect();
        assert_eq!(order, vec![pid(1), pid(2), pid(3)]);
    }
}
