//! Where service API keys are kept: only a hash of each secret.

use async_trait::async_trait;
use zonmart_domain::{ApiKey, ApiKeyId, Page, PageRequest, Timestamp, Version};

use crate::RepoError;

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores `key`, keeping only a hash of `secret`.
    async fn insert(&self, key: &ApiKey, secret: &str) -> Result<(), RepoError>;

    async fn find(&self, id: ApiKeyId) -> Result<Option<ApiKey>, RepoError>;

    /// The key whose secret is `secret`, revoked or not.
    async fn find_by_secret(&self, secret: &str) -> Result<Option<ApiKey>, RepoError>;

    /// Newest first.
    async fn list(&self, page: PageRequest) -> Result<Page<ApiKey>, RepoError>;

    /// Writes `key` (at its new version) only while the stored one is at
    /// `expected`: `VersionConflict` or `NotFound` otherwise.
    async fn update(&self, key: &ApiKey, expected: Version) -> Result<(), RepoError>;

    /// Records a use at `at` (no version change: it is bookkeeping).
    async fn record_use(&self, id: ApiKeyId, at: Timestamp) -> Result<(), RepoError>;
}
