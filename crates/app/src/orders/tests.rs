use std::sync::Arc;

use mockall::predicate::eq;
use zonmart_domain::{
    AddressId, Currency, DiscountCode, DiscountRefusal, Order, OrderCheckout, OrderId, OrderItem, OrderItems,
    OrderLine, OrderStatus, PageRequest, Pricing, PricingRefusal, Quantity, ShippingMethodId,
};
use zonmart_ports::{Checkout, MockOrderRepository, OrderSource, PlaceOrderError, RepoError, ShipTo};

use super::{OrderRequest, OrderService};
use crate::test_support::*;
use crate::AppError;

fn service(repo: MockOrderRepository) -> OrderService {
    OrderService::new(Arc::new(repo), clock_at(t0()), ids_from(6), events())
}

fn pricing() -> Pricing {
    let line = OrderLine {
        product_id: product_id(1),
        name: "product 1".into(),
        quantity: Quantity::new(2).unwrap(),
        unit_price_cents: 500,
        line_total_cents: 1000,
    };
    Pricing {
        lines: vec![line],
        currency: Currency::usd(),
        subtotal_cents: 1000,
        discount_cents: 0,
        shipping_cents: 0,
        tax_cents: 0,
        total_cents: 1000,
    }
}

fn order_of(user: u64, status: OrderStatus) -> Order {
    let id = OrderId::from_ulid(ulid::Ulid::from_parts(7, 7));
    let mut order = Order::place(id, user_id(user), pricing(), OrderCheckout::default(), t0());
    order.status = status;
    order
}

fn plain() -> Checkout {
    Checkout::default()
}

fn repo_with(order: Order) -> MockOrderRepository {
    let mut repo = MockOrderRepository::new();
    let id = order.id;
    repo.expect_find().with(eq(id)).returning(move |_| Ok(Some(order.clone())));
    repo
}

fn items() -> OrderItems {
    OrderItems::new(vec![OrderItem { product_id: product_id(1), quantity: Quantity::new(2).unwrap() }]).unwrap()
}

#[tokio::test]
async fn placing_passes_the_callers_lines_with_a_new_id_and_the_time() {
    let mut repo = MockOrderRepository::new();
    repo.expect_place()
        .withf(|p| p.user_id == user_id(1) && p.now == t0() && matches!(p.source, OrderSource::Items(_)))
        .times(1)
        .returning(|_| Ok(order_of(1, OrderStatus::Pending)));
    let order = service(repo).place(session(1), OrderRequest::Items(items()), plain()).await.unwrap();
    assert_eq!(order.total_cents, 1000);
}

#[tokio::test]
async fn placing_passes_the_checkout_on_untouched() {
    let checkout = Checkout {
        ship_to: Some(ShipTo::Saved(AddressId::from_ulid(ulid::Ulid::from_parts(3, 3)))),
        shipping_method: Some(ShippingMethodId::from_ulid(ulid::Ulid::from_parts(4, 4))),
        discount_code: Some(DiscountCode::parse("SAVE10").unwrap()),
    };
    let expected = checkout.clone();
    let mut repo = MockOrderRepository::new();
    repo.expect_place()
        .withf(move |p| p.checkout == expected)
        .times(1)
        .returning(|_| Ok(order_of(1, OrderStatus::Pending)));
    assert!(service(repo).place(session(1), OrderRequest::Items(items()), checkout).await.is_ok());
}

#[tokio::test]
async fn a_shipping_method_without_an_address_is_refused_before_the_store() {
    let checkout = Checkout {
        shipping_method: Some(ShippingMethodId::from_ulid(ulid::Ulid::from_parts(4, 4))),
        ..Checkout::default()
    };
    let mut repo = MockOrderRepository::new();
    repo.expect_place().times(0);
    repo.expect_quote().times(0);
    let service = service(repo);
    for err in [
        service.place(session(1), OrderRequest::Items(items()), checkout.clone()).await.unwrap_err(),
        service.quote(session(1), OrderRequest::Items(items()), checkout).await.map(|_| ()).unwrap_err(),
    ] {
        assert!(matches!(err, AppError::Validation(e) if e.errors()[0].field == "shipping_method_id"));
    }
}

#[tokio::test]
async fn a_quote_asks_the_store_for_the_same_request_and_answers_its_pricing() {
    let mut repo = MockOrderRepository::new();
    repo.expect_quote()
        .withf(|p| p.user_id == user_id(1) && p.now == t0() && p.source == OrderSource::Cart)
        .times(1)
        .returning(|_| Ok(pricing()));
    repo.expect_place().times(0);
    let quoted = service(repo).quote(session(1), OrderRequest::FromCart, plain()).await.unwrap();
    assert_eq!(quoted, pricing());
}

#[tokio::test]
async fn checkout_refusals_keep_their_reason_and_an_unknown_address_is_not_found() {
    for (failure, expected) in [
        (PlaceOrderError::Refused(PricingRefusal::ShippingUnavailable), AppError::ShippingUnavailable),
        (
            PlaceOrderError::Refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::Exhausted)),
            AppError::DiscountUnavailable { reason: DiscountRefusal::Exhausted },
        ),
        (PlaceOrderError::AddressNotFound, AppError::NotFound),
    ] {
        let mut repo = MockOrderRepository::new();
        repo.expect_quote().return_const(Err(failure.clone()));
        repo.expect_place().return_const(Err(failure));
        let service = service(repo);
        let placed = service.place(session(1), OrderRequest::Items(items()), plain()).await.unwrap_err();
        let quoted = service.quote(session(1), OrderRequest::Items(items()), plain()).await.unwrap_err();
        assert_eq!((placed, quoted), (expected.clone(), expected));
    }
}

#[tokio::test]
async fn placing_from_the_cart_asks_for_the_cart_source() {
    let mut repo = MockOrderRepository::new();
    repo.expect_place()
        .withf(|p| p.source == OrderSource::Cart)
        .times(1)
        .returning(|_| Ok(order_of(1, OrderStatus::Pending)));
    assert!(service(repo).place(session(1), OrderRequest::FromCart, plain()).await.is_ok());
}

#[tokio::test]
async fn stock_and_availability_failures_name_the_products_and_an_unknown_customer_is_unauthorized() {
    for (failure, expected) in [
        (
            PlaceOrderError::Refused(PricingRefusal::InsufficientStock(vec![product_id(1)])),
            AppError::InsufficientStock { product_ids: vec![product_id(1)] },
        ),
        (
            PlaceOrderError::Refused(PricingRefusal::ProductUnavailable(vec![product_id(2)])),
            AppError::ProductUnavailable { product_ids: vec![product_id(2)] },
        ),
        (PlaceOrderError::Repo(RepoError::Unavailable("down".into())), AppError::Unavailable),
        (PlaceOrderError::UnknownCustomer, AppError::Unauthorized),
    ] {
        let mut repo = MockOrderRepository::new();
        repo.expect_place().return_const(Err(failure));
        assert_eq!(service(repo).place(session(1), OrderRequest::Items(items()), plain()).await.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn an_empty_cart_and_mixed_currencies_are_validation_errors() {
    for (failure, field) in [
        (PlaceOrderError::EmptyCart, "from_cart"),
        (PlaceOrderError::Refused(PricingRefusal::MixedCurrencies(vec![product_id(2)])), "items"),
    ] {
        let mut repo = MockOrderRepository::new();
        repo.expect_place().return_const(Err(failure));
        let err = service(repo).place(session(1), OrderRequest::FromCart, plain()).await.unwrap_err();
        assert!(matches!(err, AppError::Validation(e) if e.errors()[0].field == field));
    }
}

#[tokio::test]
async fn another_customers_order_is_not_found() {
    let repo = repo_with(order_of(2, OrderStatus::Pending));
    let err = service(repo).get(&customer(1), OrderId::from_ulid(ulid::Ulid::from_parts(7, 7))).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
}

#[tokio::test]
async fn a_customer_lists_only_their_own_orders() {
    let mut repo = MockOrderRepository::new();
    repo.expect_list()
        .withf(|f, _| f.user_id == Some(user_id(1)))
        .times(2)
        .returning(|_, _| Ok(zonmart_domain::Page { items: vec![], next: None }));
    let service = service(repo);
    assert!(service.list(&customer(1), None, None, PageRequest::default()).await.is_ok());
    assert!(service.list(&customer(1), Some(user_id(1)), None, PageRequest::default()).await.is_ok());
    let err = service.list(&customer(1), Some(user_id(2)), None, PageRequest::default()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn an_admin_lists_everyones_orders_or_one_users() {
    let mut repo = MockOrderRepository::new();
    repo.expect_list()
        .withf(|f, _| f.user_id.is_none())
        .times(1)
        .returning(|_, _| Ok(zonmart_domain::Page { items: vec![], next: None }));
    repo.expect_list()
        .withf(|f, _| f.user_id == Some(user_id(2)))
        .times(1)
        .returning(|_, _| Ok(zonmart_domain::Page { items: vec![], next: None }));
    let service = service(repo);
    assert!(service.list(&admin(9), None, None, PageRequest::default()).await.is_ok());
    assert!(service.list(&admin(9), Some(user_id(2)), None, PageRequest::default()).await.is_ok());
}

#[tokio::test]
async fn a_customer_cancelling_their_pending_order_restocks() {
    let order = order_of(1, OrderStatus::Pending);
    let id = order.id;
    let mut repo = repo_with(order);
    repo.expect_update_status()
        .withf(|o, v, restock, event| {
            o.status == OrderStatus::Cancelled
                && *v == version(1)
                && *restock
                && event.kind == zonmart_domain::EventType::OrderCancelled
                && event.resource.version == version(2)
                && event.resource.id == o.id.ulid()
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let cancelled = service(repo).change_status(&customer(1), id, version(1), OrderStatus::Cancelled).await.unwrap();
    assert_eq!(cancelled.version, version(2));
    assert_eq!(cancelled.cancel_reason, Some(zonmart_domain::CancelReason::Customer));
}

#[tokio::test]
async fn an_admin_ships_without_restocking() {
    let order = order_of(1, OrderStatus::Paid);
    let id = order.id;
    let mut repo = repo_with(order);
    repo.expect_update_status()
        .withf(|o, _, restock, event| {
            o.status == OrderStatus::Shipped && !restock && event.kind == zonmart_domain::EventType::OrderShipped
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    assert!(service(repo).change_status(&admin(9), id, version(1), OrderStatus::Shipped).await.is_ok());
}

#[tokio::test]
async fn a_move_the_machine_lacks_is_an_invalid_transition() {
    let order = order_of(1, OrderStatus::Delivered);
    let id = order.id;
    let mut repo = repo_with(order);
    repo.expect_update_status().times(0);
    let err = service(repo).change_status(&admin(9), id, version(1), OrderStatus::Cancelled).await.unwrap_err();
    assert_eq!(err, AppError::InvalidTransition { from: OrderStatus::Delivered, to: OrderStatus::Cancelled });
}

#[tokio::test]
async fn a_customer_paying_their_own_order_is_forbidden() {
    let order = order_of(1, OrderStatus::Pending);
    let id = order.id;
    let mut repo = repo_with(order);
    repo.expect_update_status().times(0);
    let err = service(repo).change_status(&customer(1), id, version(1), OrderStatus::Paid).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn a_stale_status_change_is_a_conflict() {
    let order = order_of(1, OrderStatus::Pending);
    let id = order.id;
    let mut repo = repo_with(order);
    repo.expect_update_status().times(0);
    let err = service(repo).change_status(&admin(9), id, version(3), OrderStatus::Paid).await.unwrap_err();
    assert_eq!(err, AppError::VersionConflict { current: version(1) });
}

#[tokio::test]
async fn only_admins_delete_and_only_cancelled_orders() {
    let pending = order_of(1, OrderStatus::Pending);
    let id = pending.id;
    let mut repo = repo_with(pending);
    repo.expect_delete().times(0);
    let service = service(repo);
    assert!(matches!(service.delete(&customer(1), id, version(1)).await, Err(AppError::Forbidden(_))));
    assert!(matches!(service.delete(&admin(9), id, version(1)).await, Err(AppError::InvalidTransition { .. })));

    let cancelled = order_of(1, OrderStatus::Cancelled);
    let mut repo = repo_with(cancelled);
    repo.expect_delete().with(eq(id), eq(version(1))).times(1).returning(|_, _| Ok(()));
    assert!(super::OrderService::new(Arc::new(repo), clock_at(t0()), ids_from(6), events())
        .delete(&admin(9), id, version(1))
        .await
        .is_ok());
}

#[tokio::test]
async fn a_service_moves_orders_only_with_orders_write() {
    use zonmart_domain::{Actor, Scope};
    let reader = Actor::service(ulid::Ulid::from_parts(4, 4), [Scope::OrdersRead].into_iter().collect());
    let order = order_of(1, OrderStatus::Paid);
    let id = order.id;
    let service = service(repo_with(order));
    assert!(service.get(&reader, id).await.is_ok());
    let refused = service.change_status(&reader, id, version(1), OrderStatus::Shipped).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn placing_for_a_named_customer_is_only_for_oneself() {
    let mut repo = MockOrderRepository::new();
    repo.expect_place()
        .withf(|p| p.user_id == user_id(1))
        .times(1)
        .returning(|_| Ok(order_of(1, OrderStatus::Pending)));
    let service = service(repo);
    let err = service.place_as(session(1), user_id(2), OrderRequest::Items(items()), plain()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let order = service.place_as(session(1), user_id(1), OrderRequest::Items(items()), plain()).await.unwrap();
    assert_eq!(order.user_id, user_id(1));
}

#[tokio::test]
async fn recent_orders_follow_the_pages_up_to_the_maximum_and_hide_other_customers() {
    let page_of = |n: u64| zonmart_domain::Page {
        items: vec![order_of(1, OrderStatus::Pending); 2],
        next: Some(zonmart_domain::Cursor::after(ulid::Ulid::from_parts(n, 0))),
    };
    let mut repo = MockOrderRepository::new();
    let mut seq = mockall::Sequence::new();
    repo.expect_list()
        .withf(|f, p| f.user_id == Some(user_id(1)) && p.after.is_none())
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_, _| Ok(page_of(1)));
    repo.expect_list()
        .withf(|_, p| p.after == Some(zonmart_domain::Cursor::after(ulid::Ulid::from_parts(1, 0))))
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_, _| Ok(page_of(2)));
    let service = service(repo);
    assert_eq!(service.recent_of(&customer(1), user_id(1), 3).await.unwrap().len(), 3, "two pages, cut to 3");
    assert_eq!(service.recent_of(&customer(1), user_id(2), 3).await.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn an_unversioned_cancel_runs_again_after_a_concurrent_write_and_a_cancelled_order_is_not_found() {
    let id = order_of(1, OrderStatus::Pending).id;
    let moved_on = Order { version: version(2), ..order_of(1, OrderStatus::Pending) };
    let mut repo = MockOrderRepository::new();
    let mut seq = mockall::Sequence::new();
    repo.expect_find().times(2).in_sequence(&mut seq).returning(|_| Ok(Some(order_of(1, OrderStatus::Pending))));
    repo.expect_update_status()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Err(RepoError::VersionConflict { current: version(2) }));
    repo.expect_find().times(2).in_sequence(&mut seq).returning(move |_| Ok(Some(moved_on.clone())));
    repo.expect_update_status()
        .withf(|o, v, _, _| o.status == OrderStatus::Cancelled && *v == version(2))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(()));
    repo.expect_find().in_sequence(&mut seq).returning(|_| Ok(Some(order_of(1, OrderStatus::Cancelled))));
    let service = service(repo);
    assert_eq!(service.cancel_unversioned(&customer(1), id).await.unwrap().version, version(3));
    assert_eq!(service.cancel_unversioned(&customer(1), id).await.unwrap_err(), AppError::NotFound);
}
