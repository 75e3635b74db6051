//! The shop's checkout for the order tests: a saved address, shipping
//! methods, tax rates and discount codes stored through their repositories.

use zonmart_adapters::{
    Database, SqlAddressRepository, SqlDiscountRepository, SqlShippingMethodRepository, SqlTaxRateRepository,
    SystemClock, UlidGenerator,
};
use zonmart_domain::{
    AddressId, AddressInput, Countries, CountryCode, Currency, Discount, DiscountCode, DiscountId, DiscountKind,
    DiscountTerms, MethodName, NewDiscount, NewShippingMethod, NewTaxRate, PostalAddress, PriceCents, RateBp,
    SavedAddress, ShippingMethod, ShippingMethodId, TaxRate, TaxRateId, UseLimit, UserId,
};
use zonmart_ports::{
    AddressRepository, Checkout, Clock, DiscountRepository, IdGenerator, ShipTo, ShippingMethodRepository,
    TaxRateRepository,
};

pub struct Counter {
    pub addresses: SqlAddressRepository,
    pub methods: SqlShippingMethodRepository,
    pub rates: SqlTaxRateRepository,
    pub discounts: SqlDiscountRepository,
    ids: UlidGenerator,
}

pub fn address_in(country: &str) -> PostalAddress {
    let input = AddressInput {
        name: "Ada Lovelace",
        line1: "Hauptstr. 1",
        city: "Berlin",
        postal_code: Some("10115"),
        country,
        ..AddressInput::default()
    };
    PostalAddress::parse(&input, "").unwrap()
}

pub fn percent(value: i64, max_uses: Option<i64>, per_user: Option<i64>) -> DiscountTerms {
    DiscountTerms {
        kind: DiscountKind::Percent(value),
        currency: None,
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: max_uses.map(|n| UseLimit::new(n).unwrap()),
        max_uses_per_user: per_user.map(|n| UseLimit::new(n).unwrap()),
    }
}

/// A checkout shipping to `country` with `method`, using `code`.
pub fn to(country: &str, method: Option<&ShippingMethod>, code: Option<&str>) -> Checkout {
    Checkout {
        ship_to: Some(ShipTo::Address(address_in(country))),
        shipping_method: method.map(|m| m.id),
        discount_code: code.map(|c| DiscountCode::parse(c).unwrap()),
    }
}

/// Only a code.
pub fn with_code(code: &str) -> Checkout {
    Checkout { discount_code: Some(DiscountCode::parse(code).unwrap()), ..Checkout::default() }
}

impl Counter {
    pub fn new(db: &Database) -> Self {
        Self {
            addresses: SqlAddressRepository::new(db.clone()),
            methods: SqlShippingMethodRepository::new(db.clone()),
            rates: SqlTaxRateRepository::new(db.clone()),
            discounts: SqlDiscountRepository::new(db.clone()),
            ids: UlidGenerator::new(),
        }
    }

    pub async fn save_address(&self, user: UserId, country: &str) -> SavedAddress {
        let saved =
            SavedAddress::new(AddressId::from_ulid(self.ids.generate()), user, address_in(country), SystemClock.now());
        self.addresses.insert(&saved).await.unwrap();
        saved
    }

    pub async fn method(&self, price: i64, free_over: Option<i64>, countries: &[&str]) -> ShippingMethod {
        let method = NewShippingMethod {
            name: MethodName::parse("Parcel").unwrap(),
            price: PriceCents::new(price).unwrap(),
            currency: Currency::usd(),
            countries: Countries::new(countries.iter().map(|c| CountryCode::parse(c).unwrap()).collect()),
            free_over: free_over.map(|f| PriceCents::new(f).unwrap()),
        }
        .into_method(ShippingMethodId::from_ulid(self.ids.generate()), SystemClock.now());
        self.methods.insert(&method).await.unwrap();
        method
    }

    pub async fn rate(&self, country: &str, bp: i64, includes_shipping: bool) -> TaxRate {
        let rate = NewTaxRate {
            country: CountryCode::parse(country).unwrap(),
            rate: RateBp::new(bp).unwrap(),
            includes_shipping,
        }
        .into_rate(TaxRateId::from_ulid(self.ids.generate()), SystemClock.now());
        self.rates.insert(&rate).await.unwrap();
        rate
    }

    pub async fn code(&self, code: &str, terms: DiscountTerms) -> Discount {
        let discount = NewDiscount { code: DiscountCode::parse(code).unwrap(), terms }
            .into_discount(DiscountId::from_ulid(self.ids.generate()), SystemClock.now());
        self.discounts.insert(&discount).await.unwrap();
        discount
    }

    pub async fn uses(&self, discount: &Discount) -> i64 {
        self.discounts.find(discount.id).await.unwrap().unwrap().uses
    }
}
