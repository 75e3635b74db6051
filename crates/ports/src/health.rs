//! Whether the store answers, for readiness checks.

use async_trait::async_trait;

use crate::RepoError;

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StoreHealth: Send + Sync {
    /// One round trip to the store, bounded in time.
    async fn ping(&self) -> Result<(), RepoError>;
}
