//! Fixtures shared by the use-case tests: fixed times, sample users, and
//! port mocks that behave like simple, honest implementations.

use std::sync::Arc;

use chrono::TimeZone;
use ulid::Ulid;
use zonmart_domain::{Actor, Email, NewUser, Password, PasswordHash, Role, Session, Timestamp, User, UserId, Username};
use zonmart_ports::{MockClock, MockIdGenerator, MockPasswordHasher, MockResourceJson};

use crate::EventComposer;

pub fn t0() -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

pub fn user_id(n: u64) -> UserId {
    UserId::from_ulid(Ulid::from_parts(n, 0))
}

pub fn new_user(name: &str) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        email: Some(Email::parse(&format!("{name}@example.com")).unwrap()),
        password: Password::parse("correct horse").unwrap(),
        full_name: None,
        address: None,
    }
}

/// A stored user with id `n`, password "correct horse" (hash `hash:correct horse`).
pub fn stored_user(n: u64, role: Role) -> User {
    new_user(&format!("user{n}")).into_user(user_id(n), role, PasswordHash::new("hash:correct horse".into()), t0())
}

/// The session of user `n`'s tokens, at its first generation.
pub fn session(n: u64) -> Session {
    Session { user_id: user_id(n), generation: 0 }
}

pub fn customer(n: u64) -> Actor {
    Actor::user(user_id(n), Role::Customer)
}

pub fn admin(n: u64) -> Actor {
    Actor::user(user_id(n), Role::Admin)
}

/// A clock stopped at `at`.
pub fn clock_at(at: Timestamp) -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at);
    Arc::new(clock)
}

pub fn ids_from(n: u64) -> Arc<MockIdGenerator> {
    let mut ids = MockIdGenerator::new();
    ids.expect_generate().return_const(Ulid::from_parts(n, 0));
    Arc::new(ids)
}

/// A transparent "hasher": `hash:<password>`, verified by comparison;
/// `old:<password>` is a hash of an outdated cost or scheme.
pub fn fake_hasher() -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_hash().returning(|p| Ok(PasswordHash::new(format!("hash:{}", p.expose()))));
    hasher.expect_verify().returning(|candidate, hash| {
        Ok(hash.as_str() == format!("hash:{candidate}") || hash.as_str() == format!("old:{candidate}"))
    });
    hasher.expect_needs_rehash().returning(|hash| !hash.as_str().starts_with("hash:"));
    hasher.expect_dummy_hash().returning(|| PasswordHash::new("hash:\u{0}dummy".into()));
    hasher
}

pub fn product_id(n: u64) -> zonmart_domain::ProductId {
    zonmart_domain::ProductId::from_ulid(Ulid::from_parts(n, 1))
}

/// A live product with id `n`, priced `price` cents in `currency`, stock 10.
pub fn product(n: u64, price: i64, currency: &str) -> zonmart_domain::Product {
    use zonmart_domain::{Currency, NewProduct, PriceCents, ProductName, Stock};
    NewProduct {
        name: ProductName::parse(&format!("product {n}")).unwrap(),
        description: None,
        price: PriceCents::new(price).unwrap(),
        currency: Currency::parse(currency).unwrap(),
        stock: Stock::new(10).unwrap(),
        sku: None,
    }
    .into_product(product_id(n), t0())
}

pub fn version(n: i64) -> zonmart_domain::Version {
    zonmart_domain::Version::new(n).unwrap()
}

/// Events whose data is the resource's kind and id, as JSON text.
pub fn events() -> EventComposer {
    let mut json = MockResourceJson::new();
    json.expect_order().returning(|o| format!(r#"{{"order":"{}"}}"#, o.id));
    json.expect_order_needing_attention()
        .returning(|o, reason| format!(r#"{{"order":"{}","reason":"{reason}"}}"#, o.id));
    json.expect_product().returning(|p| format!(r#"{{"product":"{}"}}"#, p.id));
    json.expect_user().returning(|u| format!(r#"{{"user":"{}"}}"#, u.id));
    EventComposer::new(ids_from(77), Arc::new(json))
}
