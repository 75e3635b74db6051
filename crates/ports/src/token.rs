//! Access tokens: signed, short-lived statements of who the caller is.

use thiserror::Error;
use ulid::Ulid;
use zonmart_domain::{Role, Timestamp, UserId};

/// What an access token states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub role: Role,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// The user's session generation when it was issued
    /// (`User::session_generation`); a token of an older one is dead.
    pub session_generation: i64,
    /// Unique per token (`jti`).
    pub token_id: Ulid,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Malformed, wrongly signed, of another algorithm, or with bad claims.
    #[error("invalid token")]
    Invalid,
    #[error("expired token")]
    Expired,
    #[error("token signing failed: {0}")]
    Signing(String),
}

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError>;

    /// The claims of a token this issuer signed, if it is still valid at `now`.
    fn verify(&self, token: &str, now: Timestamp) -> Result<AccessClaims, TokenError>;
}
