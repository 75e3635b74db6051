use std::collections::HashSet;
use std::sync::Arc;

use zonmart_domain::{Description, PriceCents, ProductName, Sku, Stock};
use zonmart_ports::{DemoMarker, MockDemoMarkerStore, MockSecretGenerator, MockUserRepository, StoreSurvey};

use super::catalog::{ARCHIVED, CUSTOMERS, ORDERS, PRODUCTS, SHIPPING_METHODS};
use super::*;
use crate::test_support::{clock_at, t0};

fn survey(has_data: bool, marker: bool) -> StoreSurvey {
    let marker = marker.then(|| DemoMarker { admin_username: DEMO_ADMIN.into(), created_at: t0() });
    StoreSurvey { has_data, marker }
}

/// A seeder over a store answering `survey`, expecting `marks` marker writes.
fn seeder(answer: StoreSurvey, marks: usize) -> DemoSeeder {
    let mut store = MockDemoMarkerStore::new();
    store.expect_survey().returning(move || Ok(answer.clone()));
    store.expect_mark().times(marks).returning(|_| Ok(()));
    DemoSeeder::new(
        Arc::new(store),
        Arc::new(MockUserRepository::new()),
        Arc::new(MockSecretGenerator::new()),
        clock_at(t0()),
    )
}

#[test]
fn a_database_is_empty_demo_or_foreign() {
    assert_eq!(StoreContents::from(survey(false, false)), StoreContents::Empty);
    assert_eq!(StoreContents::from(survey(true, false)), StoreContents::Foreign);
    assert_eq!(StoreContents::from(survey(true, true)), StoreContents::Demo { admin: DEMO_ADMIN.into() });
    // A run interrupted between the marker and the first user.
    assert_eq!(StoreContents::from(survey(false, true)), StoreContents::Demo { admin: DEMO_ADMIN.into() });
}

#[tokio::test]
async fn foreign_data_is_refused_even_with_force_and_nothing_is_written() {
    for force in [false, true] {
        let result = seeder(survey(true, false), 0).admit(force).await;
        assert!(matches!(result, Err(DemoError::ForeignData)), "force {force}: {result:?}");
    }
}

#[tokio::test]
async fn the_demo_again_is_refused_without_force() {
    let result = seeder(survey(true, true), 0).admit(false).await;
    assert!(matches!(result, Err(DemoError::AlreadySeeded { ref admin }) if admin == DEMO_ADMIN), "{result:?}");
}

#[tokio::test]
async fn an_empty_database_and_the_demo_with_force_are_marked_first() {
    seeder(survey(false, false), 1).admit(false).await.expect("an empty database is admitted");
    seeder(survey(true, true), 1).admit(true).await.expect("the demo's own database is admitted with --force");
}

#[test]
fn every_catalog_product_is_valid_and_its_sku_unique() {
    let mut skus = HashSet::new();
    for item in PRODUCTS.iter().chain([&ARCHIVED]) {
        assert!(ProductName::parse(item.name).is_ok(), "{}", item.sku);
        assert!(Description::parse(item.description).is_ok(), "{}", item.sku);
        assert!(PriceCents::new(item.price_cents).is_ok(), "{}", item.sku);
        assert!(Stock::new(item.stock).is_ok(), "{}", item.sku);
        assert!(Sku::parse(item.sku).is_ok(), "{}", item.sku);
        assert!(skus.insert(item.sku), "{} twice", item.sku);
    }
    assert_eq!(PRODUCTS.iter().filter(|p| p.stock == 0).count(), 3, "three sold out");
}

#[test]
fn the_past_orders_name_products_in_stock_and_reach_every_state() {
    let mut left: std::collections::HashMap<&str, i64> = PRODUCTS.iter().map(|p| (p.sku, p.stock)).collect();
    for order in &ORDERS {
        assert!(order.customer < CUSTOMERS.len() && order.method < SHIPPING_METHODS.len());
        for (sku, quantity) in order.lines {
            let stock = left.get_mut(sku).unwrap_or_else(|| panic!("{sku} is not in the catalog"));
            *stock -= quantity;
            assert!(*stock >= 0, "{sku} oversold");
        }
    }
    let outcomes: HashSet<_> = ORDERS.iter().map(|o| format!("{:?}", o.outcome)).collect();
    assert_eq!(outcomes.len(), 6, "every outcome once at least: {outcomes:?}");
}
