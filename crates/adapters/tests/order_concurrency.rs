//! Orders under real concurrency, on SQLite (a file, several connections)
//! and PostgreSQL: stock never goes below zero, never leaks, and writers
//! that lock products in opposite orders do not deadlock. Each case prints
//! what it saw (`cargo test -- --nocapture`).

mod support;

use zonmart_domain::PricingRefusal;

use std::sync::Arc;
use std::time::Instant;

use zonmart_adapters::{Database, SystemClock};
use zonmart_domain::{Cart, CartId, Order, OrderStatus, Quantity};
use zonmart_ports::{CartRepository, Clock, OrderRepository, OrderSource, PlaceOrderError, RepoError};

use support::shop::{items, moved, Shop};

concurrently_on_each_backend!(
    fifty_single_unit_orders_for_ten_in_stock_let_exactly_ten_through,
    twenty_two_line_orders_locking_in_opposite_orders_all_go_through,
    concurrent_cancels_and_orders_keep_the_stock_exact,
    an_order_from_the_cart_beside_a_save_of_it_loses_no_line,
);

async fn fifty_single_unit_orders_for_ten_in_stock_let_exactly_ten_through(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let teapot = shop.stock("Teapot", 1999, 10).await;
    let started = Instant::now();

    let mut buyers = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (shop, teapot) = (Arc::clone(&shop), teapot.clone());
        buyers.spawn(async move { shop.place(items(&[(&teapot, 1)])).await });
    }
    let results = buyers.join_all().await;

    let placed = results.iter().filter(|r| r.is_ok()).count();
    let short = results
        .iter()
        .filter(|r| **r == Err(PlaceOrderError::Refused(PricingRefusal::InsufficientStock(vec![teapot.id]))))
        .count();
    println!(
        "{}: 50 buyers of 10 teapots: {placed} placed, {short} short, in {:?}",
        db.backend_name(),
        started.elapsed()
    );
    assert_eq!((placed, short), (10, 40), "{results:?}");
    assert_eq!(shop.levels(&[&teapot]).await, [(0, 11)], "ten decrements, one version each");
    assert_eq!(shop.all_orders().await.len(), 10);
}

async fn twenty_two_line_orders_locking_in_opposite_orders_all_go_through(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let a = shop.stock("A", 100, 1000).await;
    let b = shop.stock("B", 100, 1000).await;
    let started = Instant::now();

    let mut buyers = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (shop, a, b) = (Arc::clone(&shop), a.clone(), b.clone());
        // Half ask for A then B, half for B then A: only locking in one
        // order (product id) keeps them from deadlocking.
        let lines = if n % 2 == 0 { vec![(a, 1), (b, 2)] } else { vec![(b, 2), (a, 1)] };
        buyers.spawn(async move {
            let lines: Vec<_> = lines.iter().map(|(product, quantity)| (product, *quantity)).collect();
            shop.place(items(&lines)).await
        });
    }
    let results = buyers.join_all().await;

    let placed = results.iter().filter(|r| r.is_ok()).count();
    println!("{}: 20 two-line orders, A+B and B+A: {placed} placed in {:?}", db.backend_name(), started.elapsed());
    assert_eq!(placed, 20, "{results:?}");
    assert_eq!(shop.levels(&[&a, &b]).await, [(1000 - 20, 21), (1000 - 40, 21)]);
}

async fn concurrent_cancels_and_orders_keep_the_stock_exact(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let teapot = shop.stock("Teapot", 1999, 100).await;
    let cup = shop.stock("Cup", 250, 100).await;
    let mut to_cancel: Vec<Order> = Vec::new();
    for _ in 0..10 {
        to_cancel.push(shop.place(items(&[(&teapot, 2), (&cup, 1)])).await.unwrap());
    }
    let started = Instant::now();

    let mut writers = tokio::task::JoinSet::new();
    for order in to_cancel {
        let shop = Arc::clone(&shop);
        writers.spawn(async move {
            let cancelled = moved(&order, OrderStatus::Cancelled);
            shop.orders
                .update_status(&cancelled, order.version, true, &zonmart_adapters::testing::events::any_event())
                .await
                .map(|()| "cancelled")
                .map_err(|e| e.to_string())
        });
    }
    for n in 0..20 {
        let (shop, teapot, cup) = (Arc::clone(&shop), teapot.clone(), cup.clone());
        let lines = if n % 2 == 0 { vec![(teapot, 3), (cup, 1)] } else { vec![(cup, 1), (teapot, 3)] };
        writers.spawn(async move {
            let lines: Vec<_> = lines.iter().map(|(product, quantity)| (product, *quantity)).collect();
            shop.place(items(&lines)).await.map(|_| "placed").map_err(|e| e.to_string())
        });
    }
    let results = writers.join_all().await;

    let done = |what| results.iter().filter(|r| **r == Ok(what)).count();
    let (cancelled, placed) = (done("cancelled"), done("placed"));
    println!(
        "{}: 10 cancels beside 20 orders: {cancelled} cancelled, {placed} placed in {:?}",
        db.backend_name(),
        started.elapsed()
    );
    assert_eq!((cancelled, placed), (10, 20), "{results:?}");
    // initial − ordered before − ordered now + cancelled
    let levels = shop.levels(&[&teapot, &cup]).await;
    assert_eq!(levels.iter().map(|(stock, _)| *stock).collect::<Vec<_>>(), [100 - 20 - 60 + 20, 100 - 10 - 20 + 10]);
}

/// An order from the cart and a save adding a line, at once: either the save
/// goes first and the order takes both lines, or the order goes first and
/// the save finds a newer cart. Never is a line dropped unordered.
async fn an_order_from_the_cart_beside_a_save_of_it_loses_no_line(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let (a, b) = (shop.stock("A", 100, 1000).await, shop.stock("B", 100, 1000).await);
    let one = Quantity::new(1).unwrap();
    let mut cart = Cart::new(CartId::from_ulid(ulid::Ulid::generate()), shop.user.id, SystemClock.now());
    shop.carts.insert(&cart).await.unwrap();
    let (mut saved_first, mut ordered_first) = (0, 0);
    for _ in 0..20 {
        let with_a = cart.set_line(a.id, one, SystemClock.now()).unwrap();
        shop.carts.save(&with_a, cart.version).await.unwrap();
        let with_b = with_a.set_line(b.id, one, SystemClock.now()).unwrap();

        let order = tokio::spawn({
            let shop = Arc::clone(&shop);
            async move { shop.place(OrderSource::Cart).await }
        });
        let save = tokio::spawn({
            let shop = Arc::clone(&shop);
            async move { shop.carts.save(&with_b, with_a.version).await }
        });
        let (order, save) = (order.await.unwrap().unwrap(), save.await.unwrap());

        let ordered: Vec<_> = order.lines.iter().map(|l| l.product_id).collect();
        match save {
            Ok(()) => {
                assert_eq!(ordered, [a.id, b.id], "saved first: the order took both lines");
                saved_first += 1;
            }
            Err(RepoError::VersionConflict { .. }) => {
                assert_eq!(ordered, [a.id], "ordered first: the save found a newer cart");
                ordered_first += 1;
            }
            Err(other) => panic!("the save failed: {other}"),
        }
        cart = shop.carts.find_by_user(shop.user.id).await.unwrap().unwrap();
        assert!(cart.lines.is_empty(), "the order emptied the cart");
    }
    println!(
        "{}: order beside cart save, 20 rounds: {saved_first} saved first, {ordered_first} ordered first",
        db.backend_name()
    );
}
