//! Orders: the lines and totals fixed when an order is placed, and the
//! status state machine `pending → paid → shipped → delivered`,
//! `pending | paid → cancelled`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

use crate::actor::Actor;
use crate::address::PostalAddress;
use crate::cart::{Quantity, MAX_LINES};
use crate::discount::DiscountCode;
use crate::ids::{DiscountId, OrderId, ProductId, ShippingMethodId, UserId};
use crate::money::Currency;
use crate::pricing::Pricing;
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

/// Why an order was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The customer cancelled their own order.
    Customer,
    /// An admin (or a service acting as one) cancelled it.
    Admin,
    /// It stayed unpaid longer than the shop allows.
    PaymentTimeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be one of: customer, admin, payment_timeout")]
pub struct InvalidCancelReason;

impl CancelReason {
    pub const ALL: [CancelReason; 3] = [CancelReason::Customer, CancelReason::Admin, CancelReason::PaymentTimeout];

    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Customer => "customer",
            CancelReason::Admin => "admin",
            CancelReason::PaymentTimeout => "payment_timeout",
        }
    }
}

impl FromStr for CancelReason {
    type Err = InvalidCancelReason;
    fn from_str(s: &str) -> Result<Self, InvalidCancelReason> {
        CancelReason::ALL.into_iter().find(|reason| reason.as_str() == s).ok_or(InvalidCancelReason)
    }
}

/// The shipping method as it was when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderShippingMethod {
    pub id: ShippingMethodId,
    pub name: String,
    /// The method's price then (the order's `shipping_cents` may be 0: free over).
    pub price_cents: i64,
}

/// The discount code an order used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDiscount {
    pub id: DiscountId,
    /// As stored when ordering, upper-case.
    pub code: DiscountCode,
}

/// What an order ships to and with, beside its lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderCheckout {
    /// A copy: later edits of a saved address do not touch it.
    pub shipping_address: Option<PostalAddress>,
    pub shipping_method: Option<OrderShippingMethod>,
    pub discount: Option<OrderDiscount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub user_id: UserId,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    /// `subtotal − discount + shipping + tax`.
    pub total_cents: i64,
    pub currency: Currency,
    pub checkout: OrderCheckout,
    pub paid_at: Option<Timestamp>,
    pub payment_reference: Option<String>,
    /// Set when, and only when, the order is cancelled.
    pub cancel_reason: Option<CancelReason>,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
    /// A pending order at version 1, priced by [`crate::pricing::price`].
    pub fn place(id: OrderId, user_id: UserId, pricing: Pricing, checkout: OrderCheckout, now: Timestamp) -> Order {
        Order {
            id,
            user_id,
            status: OrderStatus::Pending,
            lines: pricing.lines,
            subtotal_cents: pricing.subtotal_cents,
            discount_cents: pricing.discount_cents,
            shipping_cents: pricing.shipping_cents,
            tax_cents: pricing.tax_cents,
            total_cents: pricing.total_cents,
            currency: pricing.currency,
            checkout,
            paid_at: None,
            payment_reference: None,
            cancel_reason: None,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
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
        let cancel_reason = match (to, actor.is_admin()) {
            (OrderStatus::Cancelled, true) => Some(CancelReason::Admin),
            (OrderStatus::Cancelled, false) => Some(CancelReason::Customer),
            _ => self.cancel_reason,
        };
        // Marked paid by hand: paid now, with no provider's reference.
        let paid_at = if to == OrderStatus::Paid { Some(now) } else { self.paid_at };
        Ok(Order { status: to, cancel_reason, paid_at, version: self.version.next(), updated_at: now, ..self.clone() })
    }

    /// Whether moving to `to` gives back what placing took: the ordered units
    /// to stock and the discount code's use.
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

    fn order(status: OrderStatus) -> Order {
        let line = OrderLine {
            product_id: pid(1),
            name: "Teapot".into(),
            quantity: Quantity::new(2).unwrap(),
            unit_price_cents: 250,
            line_total_cents: 500,
        };
        let pricing = Pricing {
            lines: vec![line],
            currency: Currency::usd(),
            subtotal_cents: 500,
            discount_cents: 50,
            shipping_cents: 100,
            tax_cents: 10,
            total_cents: 560,
        };
        let id = OrderId::from_ulid(Ulid::from_parts(5, 5));
        let mut o =
            Order::place(id, UserId::from_ulid(Ulid::from_parts(1, 1)), pricing, OrderCheckout::default(), t0());
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
    fn a_placed_order_is_pending_at_version_one_with_the_priced_amounts() {
        let o = order(Pending);
        assert_eq!((o.status, o.version), (Pending, Version::INITIAL));
        assert_eq!(
            (o.subtotal_cents, o.discount_cents, o.shipping_cents, o.tax_cents, o.total_cents),
            (500, 50, 100, 10, 560)
        );
        assert_eq!((o.paid_at, o.payment_reference.clone(), o.cancel_reason), (None, None, None));
    }

    #[test]
    fn cancelling_records_who_cancelled() {
        let by_customer = order(Pending).change_status(Cancelled, &actor(Role::Customer), t0()).unwrap();
        assert_eq!(by_customer.cancel_reason, Some(CancelReason::Customer));
        let by_admin = order(Paid).change_status(Cancelled, &actor(Role::Admin), t0()).unwrap();
        assert_eq!(by_admin.cancel_reason, Some(CancelReason::Admin));
        let paid = order(Pending).change_status(Paid, &actor(Role::Admin), t0()).unwrap();
        assert_eq!((paid.cancel_reason, paid.paid_at), (None, Some(t0())));
    }

    #[test]
    fn cancel_reasons_read_back_as_written() {
        for reason in CancelReason::ALL {
            assert_eq!(reason.as_str().parse::<CancelReason>(), Ok(reason));
        }
        assert_eq!("timeout".parse::<CancelReason>(), Err(InvalidCancelReason));
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
