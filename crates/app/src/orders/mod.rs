//! Order use cases: placing (from explicit lines or the cart), reading,
//! listing, moving through the state machine, and deleting cancelled ones.

use std::sync::Arc;

use zonmart_domain::{
    Actor, EventType, Limit, Order, OrderId, OrderItems, OrderStatus, Page, PageRequest, Pricing, PricingRefusal,
    Scope, Session, UserId, Version,
};
use zonmart_ports::{
    Checkout, Clock, IdGenerator, OrderFilter, OrderRepository, OrderSource, PlaceOrder, PlaceOrderError,
};

use crate::access::{at_current_version, require_named_self};
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

    /// Places an order for `named`, who must be the caller (the seed's
    /// `POST /orders/?user_id=` names its customer).
    pub async fn place_as(
        &self,
        customer: Session,
        named: UserId,
        request: OrderRequest,
        checkout: Checkout,
    ) -> Result<Order, AppError> {
        require_named_self(customer.user_id, named)?;
        self.place(customer, request, checkout).await
    }

    /// Up to `max` of `user_id`'s orders, newest first: their own, or anyone's
    /// for an admin; someone else's are `NotFound` (the seed's
    /// `GET /users/{id}/orders`, one plain list).
    pub async fn recent_of(&self, actor: &Actor, user_id: UserId, max: usize) -> Result<Vec<Order>, AppError> {
        if !actor.may_act_for(user_id) {
            return Err(AppError::NotFound);
        }
        let mut orders = Vec::new();
        let limit = Limit::new(i64::from(Limit::MAX)).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut page = PageRequest { limit, after: None };
        loop {
            let batch = self.list(actor, Some(user_id), None, page.clone()).await?;
            orders.extend(batch.items);
            match batch.next {
                Some(next) if orders.len() < max => page.after = Some(next),
                _ => break,
            }
        }
        orders.truncate(max);
        Ok(orders)
    }

    /// Cancels an order at whatever version it has now (the seed's
    /// unversioned cancel), again if a concurrent write moved it on; one
    /// already cancelled is `NotFound`, as the seed answered.
    pub async fn cancel_unversioned(&self, actor: &Actor, id: OrderId) -> Result<Order, AppError> {
        at_current_version(|| async {
            let current = self.get(actor, id).await?;
            if current.status == OrderStatus::Cancelled {
                return Err(AppError::NotFound);
            }
            self.change_status(actor, id, current.version, OrderStatus::Cancelled).await
        })
        .await
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
