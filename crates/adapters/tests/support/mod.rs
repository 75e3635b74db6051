//! Shared fixtures of the adapters' integration tests.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod checkout;
pub mod shop;

use zonmart_adapters::{Database, SqlUserRepository, SystemClock, UlidGenerator};
use zonmart_domain::{
    Currency, Email, NewProduct, PasswordHash, PriceCents, Product, ProductId, ProductName, Role, Sku, Stock, User,
    UserId, Username, Version,
};
use zonmart_ports::{Clock, IdGenerator, UserRepository};

/// Instantiates each listed `async fn(Database)` case as one test per
/// backend: `sqlite::<case>` (in memory) and `postgres::<case>` (skipped
/// without `ZONMART_TEST_DATABASE_URL`).
#[macro_export]
macro_rules! on_each_backend {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = zonmart_adapters::testing::TestDatabase::sqlite().await;
                    super::$case(db.database()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(db) = zonmart_adapters::testing::TestDatabase::postgres().await else { return };
                    super::$case(db.database()).await;
                }
            )*
        }
    };
}

/// Instantiates each listed `async fn(Database)` case as one test per
/// backend where writers really run at once: `sqlite::<case>` on a file
/// with a pool of 8 connections (an in-memory store has one connection and
/// would queue them before the database saw them) and `postgres::<case>`
/// (skipped without `ZONMART_TEST_DATABASE_URL`).
#[macro_export]
macro_rules! concurrently_on_each_backend {
    ($($case:ident),* $(,)?) => {
        // Named apart from `on_each_backend!`'s modules, so a file may use both.
        mod concurrently {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        let db = zonmart_adapters::testing::TestDatabase::sqlite_file(8).await;
                        super::super::$case(db.database()).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        let Some(db) = zonmart_adapters::testing::TestDatabase::postgres().await else { return };
                        super::super::$case(db.database()).await;
                    }
                )*
            }
        }
    };
}

/// Makes users with increasing ids, as the application would.
pub struct Users {
    ids: UlidGenerator,
}

impl Users {
    pub fn new() -> Self {
        Self { ids: UlidGenerator::new() }
    }

    /// A fresh customer at version 1, created now.
    pub fn customer(&self, username: &str, email: Option<&str>) -> User {
        self.with_role(username, email, Role::Customer)
    }

    pub fn with_role(&self, username: &str, email: Option<&str>, role: Role) -> User {
        let now = SystemClock.now();
        User {
            id: UserId::from_ulid(self.ids.generate()),
            username: Username::parse(username).unwrap(),
            email: email.map(|e| Email::parse(e).unwrap()),
            full_name: None,
            address: None,
            role,
            disabled: false,
            password_hash: PasswordHash::new(format!("$2b$04$hash-of-{username}")),
            session_generation: 0,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

pub fn version(n: i64) -> Version {
    Version::new(n).unwrap()
}

/// `user` one version later, renamed: what a use case would write.
pub fn renamed(user: &User, username: &str) -> User {
    User {
        username: Username::parse(username).unwrap(),
        version: user.version.next(),
        updated_at: SystemClock.now(),
        ..user.clone()
    }
}

/// A customer stored in `db`: carts, orders and idempotency keys belong to
/// a stored user.
pub async fn stored_customer(db: &Database, username: &str) -> User {
    let user = Users::new().customer(username, None);
    SqlUserRepository::new(db.clone()).insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    user
}

/// Makes products with increasing ids, as the application would.
pub struct Products {
    ids: UlidGenerator,
}

impl Products {
    pub fn new() -> Self {
        Self { ids: UlidGenerator::new() }
    }

    /// A live product in USD, without a SKU, at version 1, created now.
    pub fn product(&self, name: &str, price_cents: i64, stock: i64) -> Product {
        self.in_currency(name, price_cents, stock, "USD")
    }

    pub fn in_currency(&self, name: &str, price_cents: i64, stock: i64, currency: &str) -> Product {
        NewProduct {
            name: ProductName::parse(name).unwrap(),
            description: None,
            price: PriceCents::new(price_cents).unwrap(),
            currency: Currency::parse(currency).unwrap(),
            stock: Stock::new(stock).unwrap(),
            sku: None,
        }
        .into_product(ProductId::from_ulid(self.ids.generate()), SystemClock.now())
    }

    pub fn with_sku(&self, name: &str, sku: &str) -> Product {
        Product { sku: Some(Sku::parse(sku).unwrap()), ..self.product(name, 100, 1) }
    }
}
