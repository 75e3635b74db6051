//! Shared fixtures of the adapters' integration tests.

#![allow(dead_code)] // each test binary uses its own part of this module

use zonmart_adapters::{SystemClock, UlidGenerator};
use zonmart_domain::{Email, PasswordHash, Role, User, UserId, Username, Version};
use zonmart_ports::{Clock, IdGenerator};

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
