use std::sync::Arc;

use mockall::predicate::eq;
use ulid::Ulid;
use zonmart_domain::{
    AddressChanges, AddressField, AddressId, AddressInput, Countries, CountryCode, Currency, DiscountChanges,
    DiscountCode, DiscountKind, DiscountTerms, MethodName, NewDiscount, NewShippingMethod, NewTaxRate, Page,
    PageRequest, PostalAddress, PriceCents, RateBp, SavedAddress, ShippingMethodChanges,
};
use zonmart_ports::{
    MockAddressRepository, MockDiscountRepository, MockShippingMethodRepository, MockTaxRateRepository, RepoError,
};

use super::{AddressService, DiscountService, ShippingMethodService, TaxRateService};
use crate::test_support::*;
use crate::AppError;

fn postal() -> PostalAddress {
    let input = AddressInput { name: "Ada", line1: "Hauptstr. 1", city: "Berlin", country: "DE", ..Default::default() };
    PostalAddress::parse(&input, "").unwrap()
}

fn saved_of(user: u64) -> SavedAddress {
    SavedAddress::new(AddressId::from_ulid(Ulid::from_parts(8, 8)), user_id(user), postal(), t0())
}

fn addresses(repo: MockAddressRepository) -> AddressService {
    AddressService::new(Arc::new(repo), clock_at(t0()), ids_from(8))
}

fn address_repo_with(address: SavedAddress) -> MockAddressRepository {
    let mut repo = MockAddressRepository::new();
    repo.expect_find().with(eq(address.id)).returning(move |_| Ok(Some(address.clone())));
    repo
}

#[tokio::test]
async fn a_customer_saves_an_address_of_their_own() {
    let mut repo = MockAddressRepository::new();
    repo.expect_insert().withf(|a| a.user_id == user_id(1) && a.version == version(1)).times(1).returning(|_| Ok(()));
    let saved = addresses(repo).create(&customer(1), postal()).await.unwrap();
    assert_eq!(saved.address.country.as_str(), "DE");
}

#[tokio::test]
async fn another_customers_address_is_not_found_for_every_verb() {
    let other = saved_of(2);
    let id = other.id;
    let mut repo = address_repo_with(other);
    repo.expect_update().times(0);
    repo.expect_delete().times(0);
    let service = addresses(repo);
    assert_eq!(service.get(&customer(1), id).await.unwrap_err(), AppError::NotFound);
    let changed = service.update(&customer(1), id, version(1), AddressChanges::default()).await;
    assert_eq!(changed.unwrap_err(), AppError::NotFound);
    assert_eq!(service.delete(&customer(1), id, version(1)).await.unwrap_err(), AppError::NotFound);
    assert!(service.get(&admin(9), id).await.is_ok(), "an admin sees it");
}

#[tokio::test]
async fn an_address_update_checks_the_version_and_writes_the_next_one() {
    let mine = saved_of(1);
    let id = mine.id;
    let mut repo = address_repo_with(mine);
    repo.expect_update()
        .withf(|a, v| a.version == version(2) && *v == version(1) && a.address.city.as_str() == "Hamburg")
        .times(1)
        .returning(|_, _| Ok(()));
    let service = addresses(repo);
    let stale = service.update(&customer(1), id, version(3), AddressChanges::default()).await;
    assert_eq!(stale.unwrap_err(), AppError::VersionConflict { current: version(1) });
    let changes = AddressChanges { city: Some(AddressField::parse("Hamburg").unwrap()), ..Default::default() };
    assert_eq!(service.update(&customer(1), id, version(1), changes).await.unwrap().version, version(2));
}

#[tokio::test]
async fn a_customer_lists_only_their_own_addresses() {
    let mut repo = MockAddressRepository::new();
    repo.expect_list()
        .withf(|user, _| *user == Some(user_id(1)))
        .times(1)
        .returning(|_, _| Ok(Page { items: vec![], next: None }));
    repo.expect_list()
        .withf(|user, _| user.is_none())
        .times(1)
        .returning(|_, _| Ok(Page { items: vec![], next: None }));
    let service = addresses(repo);
    assert!(service.list(&customer(1), None, PageRequest::default()).await.is_ok());
    let err = service.list(&customer(1), Some(user_id(2)), PageRequest::default()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
    assert!(service.list(&admin(9), None, PageRequest::default()).await.is_ok());
}

fn parcel() -> NewShippingMethod {
    NewShippingMethod {
        name: MethodName::parse("Parcel").unwrap(),
        price: PriceCents::new(490).unwrap(),
        currency: Currency::usd(),
        countries: Countries::new(vec![CountryCode::parse("DE").unwrap()]),
        free_over: None,
    }
}

#[tokio::test]
async fn only_admins_write_shipping_methods() {
    let mut repo = MockShippingMethodRepository::new();
    repo.expect_insert().times(1).returning(|_| Ok(()));
    let service = ShippingMethodService::new(Arc::new(repo), clock_at(t0()), ids_from(4));
    assert!(matches!(service.create(&customer(1), parcel()).await, Err(AppError::Forbidden(_))));
    let created = service.create(&admin(9), parcel()).await.unwrap();
    assert_eq!((created.version, created.archived), (version(1), false));
}

#[tokio::test]
async fn archiving_writes_once_and_an_archived_method_is_left_alone() {
    let live = parcel().into_method(zonmart_domain::ShippingMethodId::from_ulid(Ulid::from_parts(4, 0)), t0());
    let archived = live.archive(t0()).unwrap();
    for (method, writes) in [(live, 1), (archived, 0)] {
        let id = method.id;
        let mut repo = MockShippingMethodRepository::new();
        let expected = method.version;
        repo.expect_find().returning(move |_| Ok(Some(method.clone())));
        repo.expect_update().withf(|m, _| m.archived).times(writes).returning(|_, _| Ok(()));
        let service = ShippingMethodService::new(Arc::new(repo), clock_at(t0()), ids_from(4));
        assert!(service.archive(&admin(9), id, expected).await.is_ok());
        let changes = ShippingMethodChanges { price: Some(PriceCents::new(1).unwrap()), ..Default::default() };
        assert!(matches!(service.update(&customer(1), id, expected, changes).await, Err(AppError::Forbidden(_))));
    }
}

#[tokio::test]
async fn a_second_rate_for_a_country_is_a_duplicate() {
    let mut repo = MockTaxRateRepository::new();
    repo.expect_insert().returning(|_| Err(RepoError::Duplicate { field: "country".into() }));
    let service = TaxRateService::new(Arc::new(repo), clock_at(t0()), ids_from(5));
    let new = || NewTaxRate {
        country: CountryCode::parse("DE").unwrap(),
        rate: RateBp::new(1900).unwrap(),
        includes_shipping: true,
    };
    assert!(matches!(service.create(&customer(1), new()).await, Err(AppError::Forbidden(_))));
    assert_eq!(service.create(&admin(9), new()).await.unwrap_err(), AppError::Duplicate { field: "country".into() });
}

fn ten_percent() -> NewDiscount {
    let terms = DiscountTerms {
        kind: DiscountKind::Percent(10),
        currency: None,
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: None,
        max_uses_per_user: None,
    };
    NewDiscount { code: DiscountCode::parse("save10").unwrap(), terms }
}

#[tokio::test]
async fn discount_codes_are_for_admins_only_reads_included() {
    let mut repo = MockDiscountRepository::new();
    repo.expect_find().times(0);
    repo.expect_list().times(0);
    let service = DiscountService::new(Arc::new(repo), clock_at(t0()), ids_from(6));
    let id = zonmart_domain::DiscountId::from_ulid(Ulid::from_parts(6, 0));
    assert!(matches!(service.get(&customer(1), id).await, Err(AppError::Forbidden(_))));
    assert!(matches!(service.list(&customer(1), None, PageRequest::default()).await, Err(AppError::Forbidden(_))));
    assert!(matches!(service.create(&customer(1), ten_percent()).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_code_prefix_is_searched_upper_case() {
    let mut repo = MockDiscountRepository::new();
    repo.expect_list()
        .withf(|prefix, _| prefix.as_deref() == Some("SAV"))
        .times(1)
        .returning(|_, _| Ok(Page { items: vec![], next: None }));
    let service = DiscountService::new(Arc::new(repo), clock_at(t0()), ids_from(6));
    assert!(service.list(&admin(9), Some("sav"), PageRequest::default()).await.is_ok());
}

#[tokio::test]
async fn a_discount_update_rechecks_the_terms_before_writing() {
    let discount = ten_percent().into_discount(zonmart_domain::DiscountId::from_ulid(Ulid::from_parts(6, 0)), t0());
    let id = discount.id;
    let mut repo = MockDiscountRepository::new();
    repo.expect_find().returning(move |_| Ok(Some(discount.clone())));
    repo.expect_update().times(0);
    let service = DiscountService::new(Arc::new(repo), clock_at(t0()), ids_from(6));
    let fixed_without_currency = DiscountChanges { kind: Some(DiscountKind::Fixed(500)), ..Default::default() };
    let err = service.update(&admin(9), id, version(1), fixed_without_currency).await.unwrap_err();
    assert!(matches!(err, AppError::Validation(e) if e.errors()[0].field == "currency"));
}
