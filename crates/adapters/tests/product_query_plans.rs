//! The product listings' query plans, with a catalog big enough for the
//! planner to care: every listing walks an index, never the whole table.
//! `cargo test --test product_query_plans -- --nocapture` prints the plans.

mod support;

use std::sync::Arc;

use zonmart_adapters::testing::TestDatabase;
use zonmart_adapters::{Database, SqlProductRepository, SystemClock};
use zonmart_domain::{Limit, PageRequest, PriceCents};
use zonmart_ports::{Clock, ProductFilter, ProductRepository, ProductSort};

use support::Products;

/// 2000 products (one in ten archived, one in seven out of stock, prices
/// spread over 0..50.00) and three teapots, the only names with "teapot".
async fn a_catalog(db: Database) -> SqlProductRepository {
    let repo = Arc::new(SqlProductRepository::new(db));
    let made = Products::new();
    let mut products: Vec<_> =
        (0..2000_i64).map(|n| made.product(&format!("Product {n:04}"), (n * 37) % 5000, n % 7)).collect();
    products.extend((1..=3).map(|n| made.product(&format!("Rare teapot {n}"), 2500, 1)));
    let mut writers = tokio::task::JoinSet::new();
    for (n, product) in products.into_iter().enumerate() {
        let repo = Arc::clone(&repo);
        writers.spawn(async move {
            repo.insert(&product, &zonmart_adapters::testing::events::any_event()).await.unwrap();
            if n % 10 == 0 {
                repo.update(
                    &product.archive(SystemClock.now()),
                    product.version,
                    &zonmart_adapters::testing::events::any_event(),
                )
                .await
                .unwrap();
            }
        });
    }
    writers.join_all().await;
    Arc::into_inner(repo).unwrap()
}

/// The listings the API serves: each sort, a price range, a name search,
/// and a second page (its cursor carries the sort key).
async fn listings(repo: &SqlProductRepository) -> Vec<(&'static str, ProductFilter, ProductSort, PageRequest)> {
    let first = PageRequest { limit: Limit::default(), after: None };
    let price = |cents| Some(PriceCents::new(cents).unwrap());
    let range = ProductFilter { min_price: price(1000), max_price: price(2000), ..Default::default() };
    let by_price = repo.list(&range, ProductSort::PriceAscending, first.clone()).await.unwrap();
    let second = PageRequest { after: by_price.next, ..first.clone() };
    let teapots = ProductFilter { q: Some("Teapot".into()), ..Default::default() };
    vec![
        ("newest first", ProductFilter::default(), ProductSort::NewestFirst, first.clone()),
        ("price ascending, 10.00..=20.00", range.clone(), ProductSort::PriceAscending, first.clone()),
        ("price ascending, 10.00..=20.00, page 2", range, ProductSort::PriceAscending, second),
        (
            "price descending, in stock",
            ProductFilter { in_stock: Some(true), ..Default::default() },
            ProductSort::PriceDescending,
            first.clone(),
        ),
        ("name", ProductFilter::default(), ProductSort::NameAscending, first.clone()),
        ("q contains \"Teapot\"", teapots, ProductSort::NewestFirst, first),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_serves_every_product_listing_from_an_index() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let repo = a_catalog(db.database()).await;
    for (name, filter, sort, page) in listings(&repo).await {
        let plan = repo.explain_list(&filter, sort, page).await.unwrap().join("\n");
        println!("-- PostgreSQL, {name}:\n{plan}\n");
        let indexed = ["Index Scan", "Index Only Scan", "Bitmap Index Scan"].iter().any(|scan| plan.contains(scan));
        assert!(indexed && !plan.contains("Seq Scan on products"), "{name}:\n{plan}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_walks_an_index_for_every_product_listing() {
    let db = TestDatabase::sqlite().await;
    let repo = a_catalog(db.database()).await;
    for (name, filter, sort, page) in listings(&repo).await {
        let plan = repo.explain_list(&filter, sort, page).await.unwrap().join("\n");
        println!("-- SQLite, {name}:\n{plan}\n");
        assert!(plan.contains("USING INDEX products_live_"), "{name}:\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "sorted by the index, not afterwards: {name}:\n{plan}");
    }
}
