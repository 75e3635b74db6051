//! The traits Zonmart's use cases need from the outside world, and the errors
//! they may answer with. Adapters implement them; use cases depend on nothing
//! else. With the `mock` feature every trait has a `mockall` mock
//! (`MockUserRepository`, ...), so other crates' tests can use them.

pub mod clock;
pub mod health;
pub mod ids;
pub mod password;
pub mod refresh_tokens;
pub mod repo_error;
pub mod token;
pub mod user_repository;

pub use clock::Clock;
pub use health::StoreHealth;
pub use ids::IdGenerator;
pub use password::{HashError, PasswordHasher};
pub use refresh_tokens::{Consumed, RefreshToken, RefreshTokenStore, SecretGenerator};
pub use repo_error::RepoError;
pub use token::{AccessClaims, TokenError, TokenIssuer};
pub use user_repository::{UserFilter, UserRepository};

#[cfg(feature = "mock")]
pub use {
    clock::MockClock,
    health::MockStoreHealth,
    ids::MockIdGenerator,
    password::MockPasswordHasher,
    refresh_tokens::{MockRefreshTokenStore, MockSecretGenerator},
    token::MockTokenIssuer,
    user_repository::MockUserRepository,
};
