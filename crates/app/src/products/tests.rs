use std::sync::Arc;

use mockall::predicate::eq;
use zonmart_domain::{Cursor, Page, PageRequest, PriceCents, ProductChanges, SortKey};
use zonmart_ports::{MockProductRepository, ProductFilter, ProductSort, RepoError};

use super::ProductService;
use crate::test_support::*;
use crate::AppError;

fn service(repo: MockProductRepository) -> ProductService {
    ProductService::new(Arc::new(repo), clock_at(t0()), ids_from(3), events())
}

fn repo_with(p: zonmart_domain::Product) -> MockProductRepository {
    let mut repo = MockProductRepository::new();
    let id = p.id;
    repo.expect_find().with(eq(id)).returning(move |_| Ok(Some(p.clone())));
    repo
}

fn new_teapot() -> zonmart_domain::NewProduct {
    let p = product(1, 1999, "USD");
    zonmart_domain::NewProduct {
        name: p.name,
        description: None,
        price: p.price,
        currency: p.currency,
        stock: p.stock,
        sku: None,
    }
}

#[tokio::test]
async fn an_admin_creates_a_live_product_at_version_one() {
    let mut repo = MockProductRepository::new();
    repo.expect_insert()
        .withf(|p, event| {
            p.version == version(1)
                && !p.archived
                && event.kind == zonmart_domain::EventType::ProductCreated
                && event.data == format!(r#"{{"product":"{}"}}"#, p.id)
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let created = service(repo).create(&admin(1), new_teapot()).await.unwrap();
    assert_eq!(created.price.get(), 1999);
}

#[tokio::test]
async fn a_customer_cannot_create_products() {
    let mut repo = MockProductRepository::new();
    repo.expect_insert().times(0);
    assert!(matches!(service(repo).create(&customer(1), new_teapot()).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_taken_sku_is_a_duplicate() {
    let mut repo = MockProductRepository::new();
    repo.expect_insert().returning(|_, _| Err(RepoError::Duplicate { field: "sku".into() }));
    let err = service(repo).create(&admin(1), new_teapot()).await.unwrap_err();
    assert_eq!(err, AppError::Duplicate { field: "sku".into() });
}

#[tokio::test]
async fn an_update_at_the_current_version_writes_the_next_one() {
    let mut repo = repo_with(product(1, 1999, "USD"));
    repo.expect_update()
        .withf(|p, v, _| p.version == version(2) && *v == version(1) && p.price.get() == 500)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let changes = ProductChanges { price: Some(PriceCents::new(500).unwrap()), ..Default::default() };
    let updated = service(repo).update(&admin(9), product_id(1), version(1), changes).await.unwrap();
    assert_eq!(updated.version, version(2));
}

#[tokio::test]
async fn a_stale_product_update_is_a_conflict_and_writes_nothing() {
    let mut repo = repo_with(product(1, 1999, "USD"));
    repo.expect_update().times(0);
    let err = service(repo).update(&admin(9), product_id(1), version(5), ProductChanges::default()).await.unwrap_err();
    assert_eq!(err, AppError::VersionConflict { current: version(1) });
}

#[tokio::test]
async fn archiving_writes_an_archived_product_and_is_admin_only() {
    let mut repo = repo_with(product(1, 1999, "USD"));
    repo.expect_update()
        .withf(|p, _, event| p.archived && event.kind == zonmart_domain::EventType::ProductArchived)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let service = service(repo);
    assert!(matches!(service.archive(&customer(2), product_id(1), version(1)).await, Err(AppError::Forbidden(_))));
    assert!(service.archive(&admin(9), product_id(1), version(1)).await.is_ok());
}

#[tokio::test]
async fn archiving_an_archived_product_changes_nothing() {
    let archived = product(1, 1999, "USD").archive(t0());
    let mut repo = repo_with(archived);
    repo.expect_update().times(0);
    assert!(service(repo).archive(&admin(9), product_id(1), version(2)).await.is_ok());
}

#[tokio::test]
async fn an_unknown_product_is_not_found() {
    let mut repo = MockProductRepository::new();
    repo.expect_find_for_display().returning(|_| Ok(None));
    assert_eq!(service(repo).get(product_id(1)).await.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn showing_a_product_uses_the_read_that_may_be_stale() {
    let mut repo = MockProductRepository::new();
    let teapot = product(1, 1999, "USD");
    repo.expect_find().times(0);
    repo.expect_find_for_display().with(eq(teapot.id)).times(1).returning(move |_| Ok(Some(teapot.clone())));
    assert_eq!(service(repo).get(product_id(1)).await.unwrap().id, product_id(1));
}

#[tokio::test]
async fn version_checks_read_the_primary_never_the_display_copy() {
    let mut repo = repo_with(product(1, 1999, "USD"));
    repo.expect_find_for_display().times(0);
    repo.expect_update().returning(|_, _, _| Ok(()));
    let service = service(repo);
    service.update(&admin(9), product_id(1), version(1), ProductChanges::default()).await.unwrap();
    service.archive(&admin(9), product_id(1), version(1)).await.unwrap();
}

#[tokio::test]
async fn a_cursor_from_another_sort_order_is_refused() {
    let mut repo = MockProductRepository::new();
    repo.expect_list().times(0);
    let page = PageRequest {
        after: Some(Cursor::after_keyed(SortKey::Int(5), ulid::Ulid::from_parts(1, 1))),
        ..Default::default()
    };
    let err = service(repo).list(&ProductFilter::default(), Some(ProductSort::NameAscending), page).await.unwrap_err();
    assert!(matches!(err, AppError::Validation(e) if e.errors()[0].field == "cursor"));
}

#[tokio::test]
async fn a_minimum_price_above_the_maximum_is_refused() {
    let mut repo = MockProductRepository::new();
    repo.expect_list().times(0);
    let filter = ProductFilter {
        min_price: Some(PriceCents::new(10).unwrap()),
        max_price: Some(PriceCents::new(5).unwrap()),
        ..Default::default()
    };
    assert!(matches!(service(repo).list(&filter, None, PageRequest::default()).await, Err(AppError::Validation(_))));
}

#[tokio::test]
async fn a_search_is_ordered_by_relevance_unless_another_order_is_asked_for() {
    let searched = ProductFilter { q: Some("teapot".into()), ..Default::default() };
    for (filter, asked, expected) in [
        (searched.clone(), None, ProductSort::Relevance),
        (searched.clone(), Some(ProductSort::PriceAscending), ProductSort::PriceAscending),
        (ProductFilter::default(), None, ProductSort::NewestFirst),
        (ProductFilter::default(), Some(ProductSort::Relevance), ProductSort::NewestFirst),
    ] {
        let mut repo = MockProductRepository::new();
        repo.expect_list()
            .withf(move |_, sort, _| *sort == expected)
            .times(1)
            .returning(|_, _, _| Ok(Page { items: vec![], next: None }));
        service(repo).list(&filter, asked, PageRequest::default()).await.unwrap();
    }
}

#[tokio::test]
async fn a_relevance_cursor_must_name_a_tier() {
    let searched = ProductFilter { q: Some("teapot".into()), ..Default::default() };
    let mut repo = MockProductRepository::new();
    repo.expect_list().times(0);
    let page = PageRequest {
        after: Some(Cursor::after_keyed(SortKey::Int(7), ulid::Ulid::from_parts(1, 1))),
        ..Default::default()
    };
    let err = service(repo).list(&searched, Some(ProductSort::Relevance), page).await.unwrap_err();
    assert!(matches!(err, AppError::Validation(e) if e.errors()[0].field == "cursor"));
}

#[tokio::test]
async fn a_service_writes_the_catalog_only_with_catalog_write() {
    use zonmart_domain::{Actor, Scope};
    let reader = Actor::service(ulid::Ulid::from_parts(4, 4), [Scope::OrdersRead].into_iter().collect());
    let refused = service(MockProductRepository::new()).create(&reader, new_teapot()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
    let writer = Actor::service(ulid::Ulid::from_parts(4, 4), [Scope::CatalogWrite].into_iter().collect());
    let mut repo = MockProductRepository::new();
    repo.expect_insert().times(1).returning(|_, _| Ok(()));
    assert!(service(repo).create(&writer, new_teapot()).await.is_ok());
}
