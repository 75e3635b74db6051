//! Order use cases: placing (from explicit lines or the cart), reading,
//! listing, moving through the state machine, and deleting cancelled ones.

use std::sync::Arc;

use zonmart_domain::{
    Actor, EventType, Order, OrderId, OrderItems, OrderStatus, Page, PageRequest, Pricing, PricingRefusal, Scope,
    Session, UserId, Version,
};
use zonmart_ports::{
    Checkout, Clock, IdGenerator, OrderFilter, OrderRepository, OrderSource, PlaceOrder, PlaceOrderError,
};

use crate::{AppError, EventComposer};

#[cfg(test)]
mod tests;

/// What an order is made of, as the caller asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRequest {
    Items(OrderItems),
    FromCart,
}

#[derive(Clone)]
pub struct OrderService {
    orders: Arc<dyn OrderRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    events: EventComposer,
}

impl OrderService {
    pub fn new(
        orders: Arc<dyn OrderRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        events: EventComposer,
    ) -> Self {
        Self { orders, clock, ids, events }
    }

    /// Places an order for `customer`. Stock, the discount use, prices and
    /// the cart change in one transaction or not at all. The customer may
    /// come from a token only verified (`AuthService::verify_token`): the
    /// transaction itself checks they exist, are enabled and that the
    /// token's session was not ended since, `Unauthorized` otherwise.
    pub async fn place(&self, customer: Session, request: OrderRequest, checkout: Checkout) -> Result<Order, AppError> {
        let order = self.request(customer, request, checkout)?;
        let placed = self.orders.place(&order).await.map_err(refusal)?;
        tracing::info!(order_id = %placed.id, user_id = %placed.user_id, total_cents = placed.total_cents, "order placed");
        Ok(placed)
    }

    /// What placing this order would cost now, with the same refusals;
    /// changes and reserves nothing.
    pub async fn quote(
        &self,
        customer: Session,
        request: OrderRequest,
        checkout: Checkout,
    ) -> Result<Pricing, AppError> {
        let order = self.request(customer, request, checkout)?;
        self.orders.quote(&order).await.map_err(refusal)
    }

    fn request(&self, customer: Session, request: OrderRequest, checkout: Checkout) -> Result<PlaceOrder, AppError> {
        if checkout.shipping_method.is_some() && checkout.ship_to.is_none() {
            return Err(AppError::validation(
                "shipping_method_id",
                "a shipping method needs a shipping_address or shipping_address_id",
            ));
        }
        let source = match request {
            OrderRequest::Items(items) => OrderSource::Items(items),
            OrderRequest::FromCart => OrderSource::Cart,
        };
        let now = self.clock.now();
        Ok(PlaceOrder {
            id: OrderId::from_ulid(self.ids.generate()),
            user_id: customer.user_id,
            session_generation: customer.generation,
            source,
            checkout,
            now,
            event: self.events.order_draft(EventType::for_order_status(OrderStatus::Pending), now),
        })
    }

    /// The owner's or any for an admin; someone else's is `NotFound`.
    pub async fn get(&self, actor: &Actor, id: OrderId) -> Result<Order, AppError> {
        actor.require(Scope::OrdersRead).or_else(|denied| actor.require(Scope::OrdersWrite).map_err(|_| denied))?;
        match self.orders.find(id).await? {
            Some(order) if actor.may_act_for(order.user_id) => Ok(order),
            _ => Err(AppError::NotFound),
        }
    }

    /// The caller's orders; an admin's view is everyone's, optionally one
    /// user's. A customer may name only themselves as `user_id`.
    pub async fn list(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, AppError> {
        actor.require(Scope::OrdersRead)?;
        let user_id = match (actor.is_admin(), user_id) {
            (true, filter) => filter,
            (false, None) => Some(actor.user_id),
            (false, Some(id)) if id == actor.user_id => Some(id),
            (false, Some(_)) => return Err(AppError::Forbidden("only an admin may list other users' orders".into())),
        };
        Ok(self.orders.list(&OrderFilter { user_id, status }, page).await?)
    }

    /// Moves an order to `to` (state machine and roles in the domain);
    /// cancelling puts the stock back in the same transaction.
    pub async fn change_status(
        &self,
        actor: &Actor,
        id: OrderId,
        expected: Version,
        to: OrderStatus,
    ) -> Result<Order, AppError> {
        actor.require(Scope::OrdersWrite)?;
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        let now = self.clock.now();
        let changed = current.change_status(to, actor, now)?;
        let event = self.events.order(EventType::for_order_status(to), &changed, now);
        self.orders.update_status(&changed, expected, Order::restocks_on(to), &event).await?;
        tracing::info!(order_id = %id, from = %current.status, to = %to, by = %actor.user_id, "order status changed");
        Ok(changed)
    }

    /// Admins delete cancelled orders only.
    pub async fn delete(&self, actor: &Actor, id: OrderId, expected: Version) -> Result<(), AppError> {
        actor.require(Scope::OrdersWrite)?;
        let current = self.get(actor, id).await?;
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only an admin may delete orders".into()));
        }
        Version::check(expected, current.version)?;
        if current.status != OrderStatus::Cancelled {
            return Err(AppError::InvalidTransition { from: current.status, to: OrderStatus::Cancelled });
        }
        self.orders.delete(id, expected).await?;
        Ok(())
    }
}

/// Why an order was refused, as the use cases answer it.
fn refusal(error: PlaceOrderError) -> AppError {
    match error {
        PlaceOrderError::Refused(refusal) => match refusal {
            PricingRefusal::ProductUnavailable(product_ids) => AppError::ProductUnavailable { product_ids },
            PricingRefusal::InsufficientStock(product_ids) => AppError::InsufficientStock { product_ids },
            PricingRefusal::MixedCurrencies(ids) => {
                let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
                AppError::validation(
                    "items",
                    &format!("an order is in one currency; priced differently: {}", ids.join(", ")),
                )
            }
            PricingRefusal::ShippingUnavailable => AppError::ShippingUnavailable,
            PricingRefusal::DiscountUnavailable(reason) => AppError::DiscountUnavailable { reason },
        },
        PlaceOrderError::EmptyCart => AppError::validation("from_cart", "the cart is empty"),
        PlaceOrderError::UnknownCustomer => AppError::Unauthorized,
        PlaceOrderError::AddressNotFound => AppError::NotFound,
        PlaceOrderError::Repo(e) => e.into(),
    }
}
