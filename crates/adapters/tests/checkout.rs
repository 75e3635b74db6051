//! The checkout on both databases: its resources' repositories, orders that
//! ship, pay tax and use codes, their quotes, and discount limits under real
//! concurrency (`cargo test -- --nocapture` prints what each case saw).

mod support;

use std::sync::Arc;

use zonmart_adapters::Database;
use zonmart_domain::{
    AddressChanges, AddressField, CancelReason, CountryCode, DiscountRefusal, OrderStatus, PageRequest, PricingRefusal,
    RateBp, TaxRateChanges,
};
use zonmart_ports::{
    AddressRepository, Checkout, DiscountRepository, OrderRepository, PlaceOrderError, RepoError, ShipTo,
    ShippingMethodRepository, TaxRateRepository,
};

use support::checkout::{percent, to, with_code, Counter};
use support::shop::{items, moved, Shop};
use support::{stored_customer, version};

on_each_backend!(
    an_address_is_saved_listed_changed_and_deleted,
    shipping_methods_are_listed_by_country_and_archived_ones_never,
    one_rate_per_country,
    discount_codes_are_unique_and_found_by_prefix,
    a_full_checkout_costs_what_api_md_says_and_keeps_a_snapshot,
    a_quote_costs_what_the_order_then_does_and_takes_nothing,
    a_saved_address_of_another_customer_is_not_found,
    shipping_and_discount_refusals_change_nothing,
    cancelling_gives_the_discount_use_back,
);

concurrently_on_each_backend!(
    twelve_orders_for_five_uses_left_place_exactly_five,
    ten_orders_of_one_customer_with_a_limit_of_one_place_exactly_one,
    placing_and_cancelling_at_once_keep_stock_and_uses_consistent,
);

async fn an_address_is_saved_listed_changed_and_deleted(db: Database) {
    let user = stored_customer(&db, "alice").await;
    let counter = Counter::new(&db);
    let saved = counter.save_address(user.id, "de").await;
    assert_eq!(counter.addresses.find(saved.id).await.unwrap(), Some(saved.clone()));
    let listed = counter.addresses.list(Some(user.id), PageRequest::default()).await.unwrap();
    assert_eq!(listed.items, std::slice::from_ref(&saved));

    let changes = AddressChanges { city: Some(AddressField::parse("Hamburg").unwrap()), ..Default::default() };
    let changed = saved.apply(changes, saved.updated_at);
    counter.addresses.update(&changed, version(1)).await.unwrap();
    assert_eq!(
        counter.addresses.update(&changed, version(1)).await,
        Err(RepoError::VersionConflict { current: version(2) })
    );
    assert_eq!(counter.addresses.find(saved.id).await.unwrap().unwrap().address.city.as_str(), "Hamburg");
    assert_eq!(
        counter.addresses.delete(saved.id, version(1)).await,
        Err(RepoError::VersionConflict { current: version(2) })
    );
    counter.addresses.delete(saved.id, version(2)).await.unwrap();
    assert_eq!(counter.addresses.find(saved.id).await.unwrap(), None);
}

async fn shipping_methods_are_listed_by_country_and_archived_ones_never(db: Database) {
    let counter = Counter::new(&db);
    let everywhere = counter.method(900, None, &[]).await;
    let de_fr = counter.method(490, Some(5000), &["DE", "FR"]).await;
    let gone = counter.method(100, None, &["DE"]).await;
    counter.methods.update(&gone.archive(gone.updated_at).unwrap(), version(1)).await.unwrap();

    let mut listed = Vec::new();
    for country in [Some("DE"), Some("US"), None] {
        let country = country.map(|c| CountryCode::parse(c).unwrap());
        let page = counter.methods.list(country, PageRequest::default()).await.unwrap();
        listed.push(page.items.into_iter().map(|m| m.id).collect::<Vec<_>>());
    }
    assert_eq!(listed[0], [de_fr.id, everywhere.id], "newest first, archived never");
    assert_eq!(listed[1], [everywhere.id]);
    assert_eq!(listed[2], [de_fr.id, everywhere.id]);
    let found = counter.methods.find(gone.id).await.unwrap().unwrap();
    assert!(found.archived, "an archived method is still found by id");
    assert_eq!(counter.methods.find(de_fr.id).await.unwrap(), Some(de_fr));
}

async fn one_rate_per_country(db: Database) {
    let counter = Counter::new(&db);
    let de = counter.rate("DE", 1900, true).await;
    let fr = counter.rate("FR", 2000, false).await;
    let mut second = de.clone();
    second.id = zonmart_domain::TaxRateId::from_ulid(ulid::Ulid::generate());
    assert_eq!(counter.rates.insert(&second).await, Err(RepoError::Duplicate { field: "country".into() }));
    let onto_de = fr.apply(TaxRateChanges { country: Some(de.country), ..Default::default() }, fr.updated_at);
    assert_eq!(counter.rates.update(&onto_de, version(1)).await, Err(RepoError::Duplicate { field: "country".into() }));
    let lower = de.apply(TaxRateChanges { rate: Some(RateBp::new(700).unwrap()), ..Default::default() }, de.updated_at);
    counter.rates.update(&lower, version(1)).await.unwrap();
    assert_eq!(counter.rates.find(de.id).await.unwrap().unwrap().rate.get(), 700);
    counter.rates.delete(fr.id, version(1)).await.unwrap();
    assert_eq!(counter.rates.list(PageRequest::default()).await.unwrap().items.len(), 1);
}

async fn discount_codes_are_unique_and_found_by_prefix(db: Database) {
    let counter = Counter::new(&db);
    let save10 = counter.code("SAVE10", percent(10, None, None)).await;
    let save20 = counter.code("save20", percent(20, Some(3), None)).await;
    let _other = counter.code("WINTER", percent(5, None, None)).await;
    let mut again = save10.clone();
    again.id = zonmart_domain::DiscountId::from_ulid(ulid::Ulid::generate());
    assert_eq!(counter.discounts.insert(&again).await, Err(RepoError::Duplicate { field: "code".into() }));
    let found = counter.discounts.list(Some("SAVE".into()), PageRequest::default()).await.unwrap().items;
    assert_eq!(found.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["SAVE20", "SAVE10"]);
    assert_eq!(counter.discounts.find(save20.id).await.unwrap(), Some(save20));
}

async fn a_full_checkout_costs_what_api_md_says_and_keeps_a_snapshot(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1250, 10).await;
    let method = counter.method(490, None, &["DE", "FR"]).await;
    counter.rate("DE", 1900, true).await;
    let code = counter.code("SAVE10", percent(10, Some(5), Some(1))).await;

    let checkout = to("de", Some(&method), Some("save10"));
    let order = shop.place_with(shop.user.id, items(&[(&teapot, 2)]), checkout).await.unwrap();
    // 25.00 − 2.50 + 4.90 + 19 % of 27.40 (5.206 → 5.21)
    assert_eq!(
        (order.subtotal_cents, order.discount_cents, order.shipping_cents, order.tax_cents),
        (2500, 250, 490, 521)
    );
    assert_eq!(order.total_cents, 3261);
    assert_eq!(counter.uses(&code).await, 1);

    let stored = shop.orders.find(order.id).await.unwrap().unwrap();
    assert_eq!(stored, order, "everything read back as written");
    let address = stored.checkout.shipping_address.unwrap();
    assert_eq!((address.country.as_str(), address.city.as_str()), ("DE", "Berlin"));
    assert_eq!(stored.checkout.shipping_method.unwrap().price_cents, 490);
    assert_eq!(stored.checkout.discount.unwrap().code.as_str(), "SAVE10");
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 8);
}

async fn a_quote_costs_what_the_order_then_does_and_takes_nothing(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1999, 5).await;
    let method = counter.method(500, Some(3000), &[]).await;
    counter.rate("FR", 2000, false).await;
    let code = counter.code("TEN", percent(10, Some(1), None)).await;
    let saved = counter.save_address(shop.user.id, "FR").await;
    let checkout = Checkout {
        ship_to: Some(ShipTo::Saved(saved.id)),
        shipping_method: Some(method.id),
        discount_code: Some(zonmart_domain::DiscountCode::parse("ten").unwrap()),
    };

    let request = shop.request(shop.user.id, items(&[(&teapot, 2)]), checkout.clone());
    let quote = shop.orders.quote(&request).await.unwrap();
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 5, "a quote takes no stock");
    assert_eq!(counter.uses(&code).await, 0, "nor a use");
    let order = shop.place_with(shop.user.id, items(&[(&teapot, 2)]), checkout.clone()).await.unwrap();
    assert_eq!(
        (quote.subtotal_cents, quote.discount_cents, quote.shipping_cents, quote.tax_cents, quote.total_cents),
        (order.subtotal_cents, order.discount_cents, order.shipping_cents, order.tax_cents, order.total_cents)
    );
    assert_eq!(quote.lines, order.lines);
    // 39.98 − 4.00 = 35.98 ≥ 30.00: free shipping; 20 % of 35.98 = 7.196 → 7.20
    assert_eq!((order.shipping_cents, order.tax_cents, order.total_cents), (0, 720, 3598 + 720));

    // The one use is gone now: the quote says so, as placing would.
    let exhausted = PlaceOrderError::Refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::Exhausted));
    let again = shop.request(shop.user.id, items(&[(&teapot, 1)]), checkout.clone());
    assert_eq!(shop.orders.quote(&again).await, Err(exhausted.clone()));
    assert_eq!(shop.place_with(shop.user.id, items(&[(&teapot, 1)]), checkout).await.map(|_| ()), Err(exhausted));
    let short = shop.request(shop.user.id, items(&[(&teapot, 4)]), Checkout::default());
    assert_eq!(
        shop.orders.quote(&short).await,
        Err(PlaceOrderError::Refused(PricingRefusal::InsufficientStock(vec![teapot.id])))
    );
}

async fn a_saved_address_of_another_customer_is_not_found(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let counter = Counter::new(&db);
    let bob = stored_customer(&db, "bob").await;
    let bobs = counter.save_address(bob.id, "DE").await;
    let teapot = shop.stock("Teapot", 100, 5).await;
    let checkout = Checkout { ship_to: Some(ShipTo::Saved(bobs.id)), ..Checkout::default() };
    let placed = shop.place_with(shop.user.id, items(&[(&teapot, 1)]), checkout).await;
    assert_eq!(placed.map(|_| ()), Err(PlaceOrderError::AddressNotFound));
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 5, "nothing taken");
}

async fn shipping_and_discount_refusals_change_nothing(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1000, 5).await;
    let fr_only = counter.method(500, None, &["FR"]).await;
    let mut late = percent(10, Some(5), None);
    late.ends_at = Some(chrono::Utc::now() - chrono::Duration::days(1));
    let expired = counter.code("EXPIRED", late).await;
    let mut big = percent(10, None, None);
    big.min_subtotal = Some(zonmart_domain::PriceCents::new(5000).unwrap());
    counter.code("BIGONLY", big).await;

    let refused = |refusal| Err(PlaceOrderError::Refused(refusal));
    let cases = [
        (to("DE", Some(&fr_only), None), refused(PricingRefusal::ShippingUnavailable)),
        (with_code("NOSUCH"), refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::Unknown))),
        (with_code("expired"), refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::Expired))),
        (with_code("BIGONLY"), refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::MinSubtotal))),
    ];
    for (checkout, expected) in cases {
        let placed = shop.place_with(shop.user.id, items(&[(&teapot, 1)]), checkout).await.map(|_| ());
        assert_eq!(placed, expected);
    }
    assert_eq!(shop.levels(&[&teapot]).await, [(5, 1)], "no stock taken, no version bumped");
    assert_eq!(counter.uses(&expired).await, 0, "no use taken");
    assert!(shop.all_orders().await.is_empty());
}

async fn cancelling_gives_the_discount_use_back(db: Database) {
    let shop = Shop::new(db.clone()).await;
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1000, 5).await;
    let code = counter.code("ONCE", percent(10, Some(1), Some(1))).await;
    let order = shop.place_with(shop.user.id, items(&[(&teapot, 1)]), with_code("ONCE")).await.unwrap();
    assert_eq!(counter.uses(&code).await, 1);

    let cancelled = moved(&order, OrderStatus::Cancelled);
    assert_eq!(cancelled.cancel_reason, Some(CancelReason::Admin));
    shop.orders
        .update_status(&cancelled, order.version, true, &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    assert_eq!(counter.uses(&code).await, 0, "the use is back");
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 5, "and the stock");
    let stored = shop.orders.find(order.id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.cancel_reason), (OrderStatus::Cancelled, Some(CancelReason::Admin)));
    // The customer's own limit of 1 is free again too.
    assert!(shop.place_with(shop.user.id, items(&[(&teapot, 1)]), with_code("ONCE")).await.is_ok());
}

async fn twelve_orders_for_five_uses_left_place_exactly_five(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1000, 100).await;
    let code = counter.code("FIVE", percent(10, Some(5), None)).await;
    let mut customers = Vec::new();
    for n in 0..12 {
        customers.push(stored_customer(&db, &format!("buyer{n}")).await.id);
    }

    let mut buyers = tokio::task::JoinSet::new();
    for customer in customers {
        let (shop, teapot) = (Arc::clone(&shop), teapot.clone());
        buyers.spawn(async move { shop.place_with(customer, items(&[(&teapot, 1)]), with_code("FIVE")).await });
    }
    let results = buyers.join_all().await;
    let placed = results.iter().filter(|r| r.is_ok()).count();
    let exhausted = PlaceOrderError::Refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::Exhausted));
    let refused = results.iter().filter(|r| r.as_ref().err() == Some(&exhausted)).count();
    println!("{}: 12 orders for 5 uses: {placed} placed, {refused} exhausted", db.backend_name());
    assert_eq!((placed, refused), (5, 7), "{results:?}");
    assert_eq!(counter.uses(&code).await, 5);
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 95, "only the placed orders took stock");
}

async fn ten_orders_of_one_customer_with_a_limit_of_one_place_exactly_one(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1000, 100).await;
    let code = counter.code("ONEEACH", percent(10, None, Some(1))).await;

    let mut buyers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (plain_shop, plain_teapot) = (Arc::clone(&shop), teapot.clone());
        buyers.spawn(async move { plain_shop.place(items(&[(&plain_teapot, 1)])).await.map(|_| ()) });
        let (shop, teapot) = (Arc::clone(&shop), teapot.clone());
        buyers.spawn(async move {
            shop.place_with(shop.user.id, items(&[(&teapot, 1)]), with_code("ONEEACH")).await.map(|_| ())
        });
    }
    let results = buyers.join_all().await;
    let placed = results.iter().filter(|r| r.is_ok()).count();
    let used = Err(PlaceOrderError::Refused(PricingRefusal::DiscountUnavailable(DiscountRefusal::AlreadyUsed)));
    let refused = results.iter().filter(|r| **r == used).count();
    println!(
        "{}: 10 coded orders of one customer, limit 1 (beside 10 plain): {placed} placed, {refused} already used",
        db.backend_name()
    );
    assert_eq!((placed, refused), (10 + 1, 9), "{results:?}");
    assert_eq!(counter.uses(&code).await, 1);
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 100 - 11);
}

async fn placing_and_cancelling_at_once_keep_stock_and_uses_consistent(db: Database) {
    let shop = Arc::new(Shop::new(db.clone()).await);
    let counter = Counter::new(&db);
    let teapot = shop.stock("Teapot", 1000, 100).await;
    let code = counter.code("MIX", percent(10, Some(8), None)).await;
    let mut to_cancel = Vec::new();
    for _ in 0..4 {
        to_cancel.push(shop.place_with(shop.user.id, items(&[(&teapot, 2)]), with_code("MIX")).await.unwrap());
    }

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
    for _ in 0..10 {
        let (shop, teapot) = (Arc::clone(&shop), teapot.clone());
        writers.spawn(async move {
            shop.place_with(shop.user.id, items(&[(&teapot, 1)]), with_code("MIX"))
                .await
                .map(|_| "placed")
                .map_err(|e| e.to_string())
        });
    }
    let results = writers.join_all().await;
    let done = |what| results.iter().filter(|r| **r == Ok(what)).count();
    let (cancelled, placed) = (done("cancelled"), done("placed"));
    println!(
        "{}: 4 cancels beside 10 coded orders for 8 uses: {cancelled} cancelled, {placed} placed",
        db.backend_name()
    );
    assert_eq!(cancelled, 4, "{results:?}");
    // Between 4 (uses freed late) and 8 of the new orders got a use; whatever
    // the interleaving, uses = live orders with the code, and stock agrees.
    assert!((4..=8).contains(&placed), "{results:?}");
    let live = shop.all_orders().await.into_iter().filter(|o| o.status != OrderStatus::Cancelled).count();
    assert_eq!(counter.uses(&code).await, live as i64);
    assert_eq!(live, placed);
    assert_eq!(shop.levels(&[&teapot]).await[0].0, 100 - placed as i64);
}
