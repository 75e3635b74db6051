//! Refresh tokens: opaque secrets, stored only as hashes, single-use, and
//! grouped in families so that a reused one revokes every token descended
//! from the same login.

use async_trait::async_trait;
use ulid::Ulid;
use zonmart_domain::{Timestamp, UserId};

use crate::RepoError;

/// A stored refresh token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Ulid,
    /// Every token rotated from one login shares its family.
    pub family_id: Ulid,
    pub user_id: UserId,
    /// The user's session generation when it was issued; a token of an
    /// older one is refused (`User::session_generation`).
    pub session_generation: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    /// It was live and is now used up: the caller may rotate it.
    Live(RefreshToken),
    /// It was used or revoked before: possible theft.
    Spent(RefreshToken),
    Expired,
    Unknown,
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Stores `token`, keeping only a hash of `secret`.
    async fn insert(&self, secret: &str, token: &RefreshToken) -> Result<(), RepoError>;

    /// Uses up the token behind `secret` if it is live at `now`, atomically:
    /// of two concurrent presentations of one token, one gets `Live`.
    async fn consume(&self, secret: &str, now: Timestamp) -> Result<Consumed, RepoError>;

    /// The token behind `secret`, whatever its state.
    async fn find(&self, secret: &str) -> Result<Option<RefreshToken>, RepoError>;

    /// Revokes every token of the family. Idempotent.
    async fn revoke_family(&self, family_id: Ulid, now: Timestamp) -> Result<(), RepoError>;

    /// Deletes tokens that expired before `now`; returns how many.
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, RepoError>;
}

/// Fresh unguessable secrets.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait SecretGenerator: Send + Sync {
    /// At least 256 random bits, URL-safe.
    fn secret(&self) -> String;
}
