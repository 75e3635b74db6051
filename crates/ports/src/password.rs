//! Password hashing. Implementations must not block the async workers.

use async_trait::async_trait;
use thiserror::Error;
use zonmart_domain::{Password, PasswordHash};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Whether `candidate` is the password behind `hash`. Takes a raw string:
    /// a login attempt is checked, never validated. Takes at least as long
    /// as verifying a hash made by [`PasswordHasher::hash`] now, whatever
    /// cost `hash` was made at, so timing does not single out such users.
    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<bool, HashError>;

    /// Whether `hash` was made at another cost or by an older scheme than
    /// [`PasswordHasher::hash`] makes now, and should be replaced.
    fn needs_rehash(&self, hash: &PasswordHash) -> bool;

    /// A hash of no real password, verified against when the user is unknown
    /// so that a wrong user and a wrong password take the same time.
    fn dummy_hash(&self) -> PasswordHash;
}
