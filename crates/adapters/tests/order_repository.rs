//! The order repository's contract, run against SQLite and PostgreSQL alike.

mod support;

use zonmart_domain::PricingRefusal;

use zonmart_adapters::{Database, SqlUserRepository, SystemClock};
use zonmart_domain::{
    Cart, CartId, Order, OrderId, OrderStatus, PriceCents, Product, ProductChanges, Quantity, User, UserId,
};
use zonmart_ports::{
    CartRepository, Clock, IdGenerator, OrderFilter, OrderRepository, OrderSource, PlaceOrderError, ProductRepository,
    RepoError, UserRepository,
};

use support::shop::{items, moved, page, Shop};
use support::{stored_customer, version, Users};

on_each_backend!(
    placing_from_items_copies_prices_takes_stock_and_bumps_product_versions,
    an_order_for_a_disabled_deleted_or_unknown_customer_is_refused_and_changes_nothing,
    too_little_stock_names_every_short_product_and_changes_nothing,
    archived_or_missing_products_are_unavailable_before_any_short_one,
    an_order_in_two_currencies_is_refused_and_changes_nothing,
    placing_from_the_cart_orders_its_lines_and_empties_it,
    an_absent_or_empty_cart_cannot_be_ordered,
    a_cart_order_refused_for_stock_leaves_the_cart_as_it_was,
    cancelling_with_restock_puts_back_exactly_what_was_ordered,
    a_status_change_without_restock_leaves_the_stock_alone,
    a_stale_status_change_conflicts_and_restocks_nothing,
    a_status_change_of_an_unknown_order_is_not_found,
    deleting_an_order_checks_its_version_and_takes_its_lines,
    listing_pages_newest_first_with_lines_and_filters,
);

async fn placing_from_items_copies_prices_takes_stock_and_bumps_product_versions(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let cup = shop.stock("Cup", 250, 5).await;

    let order = shop.place(items(&[(&cup, 2), (&teapot, 3)])).await.unwrap();

    let lines: Vec<_> = order.lines.iter().map(|l| (l.name.as_str(), l.quantity.get(), l.unit_price_cents)).collect();
    assert_eq!(lines, [("Cup", 2, 250), ("Teapot", 3, 1999)], "the request's order, the prices of the moment");
    assert_eq!((order.total_cents, order.currency.as_str()), (2 * 250 + 3 * 1999, "USD"));
    assert_eq!((order.status, order.version, order.user_id), (OrderStatus::Pending, version(1), shop.user.id));
    assert_eq!(shop.levels(&[&teapot, &cup]).await, [(7, 2), (3, 2)]);
    assert_eq!(shop.orders.find(order.id).await.unwrap(), Some(order.clone()));

    let now_stored = shop.reread(&teapot).await;
    let dearer = ProductChanges { price: Some(PriceCents::new(5000).unwrap()), ..Default::default() };
    shop.products
        .update(
            &now_stored.apply(dearer, SystemClock.now()),
            now_stored.version,
            &zonmart_adapters::testing::events::any_event(),
        )
        .await
        .unwrap();
    assert_eq!(shop.orders.find(order.id).await.unwrap(), Some(order), "later prices never touch an order");
}

async fn an_order_for_a_disabled_deleted_or_unknown_customer_is_refused_and_changes_nothing(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let (teapot, cup) = (shop.stock("Teapot", 1999, 10).await, shop.stock("Cup", 250, 5).await);
    let users = SqlUserRepository::new(db.clone());
    let disabled = User { disabled: true, ..Users::new().customer("mallory", None) };
    users.insert(&disabled, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let deleted = stored_customer(&db, "trudy").await;
    users.delete(deleted.id, None, SystemClock.now()).await.unwrap();
    let unknown = UserId::from_ulid(shop.ids.generate());

    for (customer, source) in [
        (disabled.id, items(&[(&teapot, 1), (&cup, 2)])),
        (deleted.id, items(&[(&cup, 1)])),
        (unknown, items(&[(&teapot, 1)])),
        (disabled.id, OrderSource::Cart),
    ] {
        assert_eq!(shop.place_for(customer, source).await, Err(PlaceOrderError::UnknownCustomer), "{customer}");
    }
    assert_eq!(shop.levels(&[&teapot, &cup]).await, [(10, 1), (5, 1)], "nothing taken, nothing bumped");
    assert!(shop.all_orders().await.is_empty());
    assert!(shop.place(items(&[(&teapot, 1)])).await.is_ok(), "an enabled customer still orders on that connection");
}

async fn too_little_stock_names_every_short_product_and_changes_nothing(db: Database) {
    let shop = Shop::new(db).await;
    let (one, five, none) =
        (shop.stock("One left", 100, 1).await, shop.stock("Five left", 100, 5).await, shop.stock("None", 100, 0).await);

    let refused = shop.place(items(&[(&none, 1), (&five, 5), (&one, 2)])).await;

    assert_eq!(refused, Err(PlaceOrderError::Refused(PricingRefusal::InsufficientStock(vec![none.id, one.id]))));
    assert_eq!(shop.levels(&[&one, &five, &none]).await, [(1, 1), (5, 1), (0, 1)], "nothing taken, nothing bumped");
    assert!(shop.all_orders().await.is_empty());

    // The refusal's transaction is over: the next order commits on its own.
    let order = shop.place(items(&[(&five, 2)])).await.unwrap();
    assert_eq!(shop.levels(&[&one, &five, &none]).await, [(1, 1), (3, 2), (0, 1)]);
    assert_eq!(shop.all_orders().await, [order]);
}

async fn archived_or_missing_products_are_unavailable_before_any_short_one(db: Database) {
    let shop = Shop::new(db).await;
    let short = shop.stock("Short", 100, 1).await;
    let fine = shop.stock("Fine", 100, 10).await;
    let archived = shop.stock("Archived", 100, 10).await;
    shop.products
        .update(&archived.archive(SystemClock.now()), archived.version, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    let missing = shop.made.product("Never stored", 100, 10);

    let refused = shop.place(items(&[(&short, 9), (&archived, 1), (&fine, 1), (&missing, 1)])).await;

    assert_eq!(
        refused,
        Err(PlaceOrderError::Refused(PricingRefusal::ProductUnavailable(vec![archived.id, missing.id])))
    );
    assert_eq!(shop.levels(&[&short, &fine, &archived]).await, [(1, 1), (10, 1), (10, 2)]);
    assert!(shop.all_orders().await.is_empty());
}

async fn an_order_in_two_currencies_is_refused_and_changes_nothing(db: Database) {
    let shop = Shop::new(db).await;
    let dollars = shop.stock_in("Teapot", 100, 10, "USD").await;
    let euros = shop.stock_in("Kettle", 100, 10, "EUR").await;

    let refused = shop.place(items(&[(&dollars, 1), (&euros, 1)])).await;

    assert_eq!(refused, Err(PlaceOrderError::Refused(PricingRefusal::MixedCurrencies(vec![euros.id]))));
    assert_eq!(shop.levels(&[&dollars, &euros]).await, [(10, 1), (10, 1)]);
    assert!(shop.all_orders().await.is_empty());
}

/// A stored cart of the shop's user holding `lines`, in that order.
async fn a_cart(shop: &Shop, lines: &[(&Product, i64)]) -> Cart {
    let empty = Cart::new(CartId::from_ulid(ulid::Ulid::generate()), shop.user.id, SystemClock.now());
    shop.carts.insert(&empty).await.unwrap();
    let mut cart = empty.clone();
    for (product, quantity) in lines {
        cart = cart.set_line(product.id, Quantity::new(*quantity).unwrap(), SystemClock.now()).unwrap();
    }
    shop.carts.save(&cart, empty.version).await.unwrap();
    cart
}

async fn placing_from_the_cart_orders_its_lines_and_empties_it(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let kettle = shop.stock("Kettle", 3000, 10).await;
    let cart = a_cart(&shop, &[(&kettle, 2), (&teapot, 1)]).await;

    let order = shop.place(OrderSource::Cart).await.unwrap();

    let lines: Vec<_> = order.lines.iter().map(|l| (l.product_id, l.quantity.get())).collect();
    assert_eq!(lines, [(kettle.id, 2), (teapot.id, 1)], "in the cart's order");
    assert_eq!(order.total_cents, 2 * 3000 + 1999);
    let emptied = shop.carts.find_by_user(shop.user.id).await.unwrap().unwrap();
    assert!(emptied.lines.is_empty());
    assert_eq!(emptied.version, cart.version.next());
    assert_eq!(shop.levels(&[&kettle, &teapot]).await, [(8, 2), (9, 2)]);
}

async fn an_absent_or_empty_cart_cannot_be_ordered(db: Database) {
    let shop = Shop::new(db).await;
    assert_eq!(shop.place(OrderSource::Cart).await, Err(PlaceOrderError::EmptyCart), "no cart at all");

    let cart = a_cart(&shop, &[]).await;
    assert_eq!(shop.place(OrderSource::Cart).await, Err(PlaceOrderError::EmptyCart));
    assert_eq!(shop.carts.find_by_user(shop.user.id).await.unwrap().map(|c| c.version), Some(cart.version));
}

async fn a_cart_order_refused_for_stock_leaves_the_cart_as_it_was(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let kettle = shop.stock("Kettle", 3000, 1).await;
    let cart = a_cart(&shop, &[(&teapot, 1), (&kettle, 2)]).await;

    assert_eq!(
        shop.place(OrderSource::Cart).await,
        Err(PlaceOrderError::Refused(PricingRefusal::InsufficientStock(vec![kettle.id])))
    );
    assert_eq!(shop.carts.find_by_user(shop.user.id).await.unwrap(), Some(cart));
    assert_eq!(shop.levels(&[&teapot, &kettle]).await, [(10, 1), (1, 1)]);
}

async fn cancelling_with_restock_puts_back_exactly_what_was_ordered(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let cup = shop.stock("Cup", 250, 5).await;
    let order = shop.place(items(&[(&teapot, 3), (&cup, 2)])).await.unwrap();

    let cancelled = moved(&order, OrderStatus::Cancelled);
    shop.orders
        .update_status(&cancelled, order.version, true, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();

    assert_eq!(shop.levels(&[&teapot, &cup]).await, [(10, 3), (5, 3)]);
    assert_eq!(shop.orders.find(order.id).await.unwrap(), Some(cancelled));
}

async fn a_status_change_without_restock_leaves_the_stock_alone(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 3)])).await.unwrap();

    let paid = moved(&order, OrderStatus::Paid);
    shop.orders
        .update_status(&paid, order.version, false, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();

    assert_eq!(shop.levels(&[&teapot]).await, [(7, 2)]);
    assert_eq!(shop.orders.find(order.id).await.unwrap(), Some(paid));
}

async fn a_stale_status_change_conflicts_and_restocks_nothing(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 3)])).await.unwrap();
    shop.orders
        .update_status(
            &moved(&order, OrderStatus::Paid),
            order.version,
            false,
            &zonmart_adapters::testing::events::any_event(),
        )
        .await
        .unwrap();

    let stale = shop
        .orders
        .update_status(
            &moved(&order, OrderStatus::Cancelled),
            order.version,
            true,
            &zonmart_adapters::testing::events::any_event(),
        )
        .await;

    assert_eq!(stale, Err(RepoError::VersionConflict { current: version(2) }));
    assert_eq!(shop.levels(&[&teapot]).await, [(7, 2)]);
    assert_eq!(shop.orders.find(order.id).await.unwrap().map(|o| o.status), Some(OrderStatus::Paid));
}

async fn a_status_change_of_an_unknown_order_is_not_found(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 3)])).await.unwrap();
    let unknown = Order { id: OrderId::from_ulid(ulid::Ulid::generate()), ..moved(&order, OrderStatus::Cancelled) };
    assert_eq!(
        shop.orders.update_status(&unknown, version(1), true, &zonmart_adapters::testing::events::any_event()).await,
        Err(RepoError::NotFound)
    );
    assert_eq!(shop.levels(&[&teapot]).await, [(7, 2)]);
}

async fn deleting_an_order_checks_its_version_and_takes_its_lines(db: Database) {
    let shop = Shop::new(db).await;
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let order = shop.place(items(&[(&teapot, 3)])).await.unwrap();
    shop.orders
        .update_status(
            &moved(&order, OrderStatus::Cancelled),
            order.version,
            true,
            &zonmart_adapters::testing::events::any_event(),
        )
        .await
        .unwrap();

    assert_eq!(shop.orders.delete(order.id, version(1)).await, Err(RepoError::VersionConflict { current: version(2) }));
    shop.orders.delete(order.id, version(2)).await.unwrap();
    assert_eq!(shop.orders.find(order.id).await.unwrap(), None);
    assert_eq!(shop.orders.delete(order.id, version(2)).await, Err(RepoError::NotFound));
    // The product stays, and can be ordered again: no line is left behind.
    assert_eq!(shop.levels(&[&teapot]).await, [(10, 3)]);
}

async fn listing_pages_newest_first_with_lines_and_filters(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let (alice, bob) = (shop.user.id, stored_customer(&db, "bob").await.id);
    let teapot = shop.stock("Teapot", 100, 100).await;
    let cup = shop.stock("Cup", 10, 100).await;
    let mut placed = Vec::new();
    for (user, quantity) in [(alice, 1), (bob, 2), (alice, 3), (bob, 4), (alice, 5)] {
        placed.push(shop.place_for(user, items(&[(&teapot, quantity), (&cup, 1)])).await.unwrap());
    }
    let paid = moved(&placed[0], OrderStatus::Paid);
    shop.orders
        .update_status(&paid, placed[0].version, false, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    placed[0] = paid;

    let (mut listed, mut after) = (Vec::new(), None);
    loop {
        let got = shop.orders.list(&OrderFilter::default(), page(2, after)).await.unwrap();
        listed.extend(got.items);
        match got.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let newest_first: Vec<_> = placed.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first, "whole orders, lines included, newest first");

    let of_bob = OrderFilter { user_id: Some(bob), ..Default::default() };
    let bobs: Vec<_> = shop.orders.list(&of_bob, page(10, None)).await.unwrap().items.iter().map(|o| o.id).collect();
    assert_eq!(bobs, [placed[3].id, placed[1].id]);
    let paid_only = OrderFilter { status: Some(OrderStatus::Paid), ..Default::default() };
    let paid: Vec<_> = shop.orders.list(&paid_only, page(10, None)).await.unwrap().items.iter().map(|o| o.id).collect();
    assert_eq!(paid, [placed[0].id]);
}
