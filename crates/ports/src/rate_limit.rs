//! Where rate-limit state lives: in the process, or shared by every
//! instance of a fleet (Redis).

use async_trait::async_trait;
use zonmart_domain::{Gcra, RateDecision};

use crate::RepoError;

/// Keeps each key's GCRA state and decides one request at a time per key,
/// atomically for everyone sharing the store.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait RateCounter: Send + Sync {
    /// One request of `key` under `rule`. `RepoError::Unavailable` when the
    /// store cannot answer in time; the caller decides what that means.
    async fn hit(&self, key: &str, rule: Gcra) -> Result<RateDecision, RepoError>;
}
