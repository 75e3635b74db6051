//! Where orders are kept, and the transactions that move stock with them.

use async_trait::async_trait;
use thiserror::Error;
use zonmart_domain::{
    AddressId, DiscountCode, Event, Order, OrderId, OrderItems, OrderStatus, Page, PageRequest, PostalAddress, Pricing,
    PricingRefusal, ShippingMethodId, Timestamp, UserId, Version,
};

use crate::{OrderEventDraft, PaymentRecord, Recorded, RepoError};

/// What an order is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSource {
    Items(OrderItems),
    /// The user's cart as it is inside the transaction; it is emptied (its
    /// version goes up) in the same transaction.
    Cart,
}

/// Where an order ships to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipTo {
    /// An address given with the order.
    Address(PostalAddress),
    /// One of the customer's saved addresses (another's is `AddressNotFound`).
    Saved(AddressId),
}

/// What an order ships to and with, and the code it uses; all optional (an
/// order with none of it costs its lines). A shipping method needs an
/// address: the use case checks that before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkout {
    pub ship_to: Option<ShipTo>,
    pub shipping_method: Option<ShippingMethodId>,
    pub discount_code: Option<DiscountCode>,
}

/// Everything `place` needs; id and time come from the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceOrder {
    pub id: OrderId,
    pub user_id: UserId,
    /// The session generation of the caller's token: the customer check
    /// refuses the order unless it is the user's current one.
    pub session_generation: i64,
    pub source: OrderSource,
    pub checkout: Checkout,
    pub now: Timestamp,
    /// `order.placed`, written in the same transaction.
    pub event: OrderEventDraft,
}

/// Why an order was not placed (or quoted). Nothing changed in any case.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlaceOrderError {
    /// What the pricing function refused (products, stock, currency,
    /// shipping, discount), the first reason in its order.
    #[error(transparent)]
    Refused(#[from] PricingRefusal),
    /// `OrderSource::Cart` with an empty (or absent) cart.
    #[error("the cart is empty")]
    EmptyCart,
    /// No user has the order's `user_id`, that user is disabled, or the
    /// caller's session of that user was ended (`session_generation`).
    #[error("no enabled user is the customer")]
    UnknownCustomer,
    /// `ShipTo::Saved` names no address of the customer's.
    #[error("no such address")]
    AddressNotFound,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Narrows an order listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub user_id: Option<UserId>,
    pub status: Option<OrderStatus>,
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// Places an order in ONE transaction: the customer (`user_id`) must be
    /// a user who is not disabled, checked inside it (so callers need no
    /// look-up of their own first), every product must
    /// exist and not be archived, every line must find enough stock (decremented only where
    /// `stock >= quantity`, rows touched in product-id order so concurrent
    /// orders cannot deadlock), prices are copied into the lines
    /// (`Order::place`), and a cart used is emptied. Any failure rolls back
    /// everything, naming every product at fault. Serialization failures and
    /// deadlocks are retried a bounded number of times.
    async fn place(&self, order: &PlaceOrder) -> Result<Order, PlaceOrderError>;

    /// What `place` would answer for `order` right now, priced by the same
    /// function, with the same refusals; takes, reserves and writes nothing.
    async fn quote(&self, order: &PlaceOrder) -> Result<Pricing, PlaceOrderError>;

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError>;

    /// Newest first.
    async fn list(&self, filter: &OrderFilter, page: PageRequest) -> Result<Page<Order>, RepoError>;

    /// Writes `order`'s status, cancel reason, payment (`paid_at`,
    /// `payment_reference`), version and `updated_at` only
    /// while the stored order is at `expected`; with `restock`, puts every
    /// line's quantity back into its product's stock (product-id order) and
    /// gives the order's discount use back, in the same transaction.
    /// `event` is written in the same transaction.
    async fn update_status(
        &self,
        order: &Order,
        expected: Version,
        restock: bool,
        event: &Event,
    ) -> Result<(), RepoError>;

    /// Records a provider's payment event and its effect in ONE transaction:
    /// `Replay` (nothing written) when the event id is already recorded;
    /// `VersionConflict` (nothing written) when the order is no longer at
    /// the version the effect was decided on; `NotFound` without the order.
    /// A paid order is written as `update_status` writes it.
    async fn record_payment(&self, record: &PaymentRecord) -> Result<Recorded, RepoError>;

    /// Up to `limit` `pending` orders placed before `cutoff`, oldest first.
    async fn list_unpaid_before(&self, cutoff: Timestamp, limit: u32) -> Result<Vec<Order>, RepoError>;

    /// Deletes the order (and its lines) only while it is at `expected`.
    async fn delete(&self, id: OrderId, expected: Version) -> Result<(), RepoError>;
}
