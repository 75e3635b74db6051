//! Stored answers to idempotent requests, per user and key.

use async_trait::async_trait;
use zonmart_domain::{IdempotencyKey, Timestamp, UserId};

use crate::RepoError;

/// The first successful answer to a request, to be replayed byte for byte.
/// Only successes are kept, so the body is all there is: what a success of
/// each call looks like on the wire (its status, its headers) is the api's
/// to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours: go ahead, then `complete` or `release` it.
    Claimed,
    /// A request with this key and the same body already succeeded.
    Replay(StoredResponse),
    /// A request with this key is still running.
    InFlight,
    /// The key was used with another request body.
    Mismatch,
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for `user` and a request whose body hashes to
    /// `request_hash`, atomically (of concurrent claims one wins). A record
    /// created before `expired_before` counts as absent; an unfinished claim
    /// made before `abandoned_before` (its request died) may be taken over.
    async fn claim(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        request_hash: &str,
        now: Timestamp,
        expired_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> Result<Claim, RepoError>;

    /// Stores the answer of a claimed key.
    async fn complete(&self, user: UserId, key: &IdempotencyKey, response: &StoredResponse) -> Result<(), RepoError>;

    /// Gives a claimed key up (the request failed), so it can be retried.
    async fn release(&self, user: UserId, key: &IdempotencyKey) -> Result<(), RepoError>;

    /// Deletes records created before `expired_before`; returns how many.
    async fn purge_expired(&self, expired_before: Timestamp) -> Result<u64, RepoError>;
}
