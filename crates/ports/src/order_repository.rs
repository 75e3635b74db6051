//! Where orders are kept, and the transactions that move stock with them.

use async_trait::async_trait;
use thiserror::Error;
use zonmart_domain::{
    Event, Order, OrderId, OrderItems, OrderStatus, Page, PageRequest, ProductId, Timestamp, UserId, Version,
};

use crate::{OrderEventDraft, RepoError};

/// What an order is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSource {
    Items(OrderItems),
    /// The user's cart as it is inside the transaction; it is emptied (its
    /// version goes up) in the same transaction.
    Cart,
}

/// Everything `place` needs; id and time come from the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceOrder {
    pub id: OrderId,
    pub user_id: UserId,
    pub source: OrderSource,
    pub now: Timestamp,
    /// `order.placed`, written in the same transaction.
    pub event: OrderEventDraft,
}

/// Why an order was not placed. Nothing changed in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlaceOrderError {
    /// Products that do not exist or are archived.
    #[error("products unavailable: {0:?}")]
    ProductUnavailable(Vec<ProductId>),
    /// Products without enough stock for their line.
    #[error("insufficient stock: {0:?}")]
    InsufficientStock(Vec<ProductId>),
    /// Products priced in another currency than the order's first line.
    #[error("mixed currencies: {0:?}")]
    MixedCurrencies(Vec<ProductId>),
    /// `OrderSource::Cart` with an empty (or absent) cart.
    #[error("the cart is empty")]
    EmptyCart,
    /// No user has the order's `user_id`, or that user is disabled.
    #[error("no enabled user is the customer")]
    UnknownCustomer,
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

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError>;

    /// Newest first.
    async fn list(&self, filter: &OrderFilter, page: PageRequest) -> Result<Page<Order>, RepoError>;

    /// Writes `order`'s status, version and `updated_at` only while the stored
    /// order is at `expected`; with `restock`, puts every line's quantity back
    /// into its product's stock in the same transaction (product-id order).
    /// `event` is written in the same transaction.
    async fn update_status(
        &self,
        order: &Order,
        expected: Version,
        restock: bool,
        event: &Event,
    ) -> Result<(), RepoError>;

    /// Deletes the order (and its lines) only while it is at `expected`.
    async fn delete(&self, id: OrderId, expected: Version) -> Result<(), RepoError>;
}
