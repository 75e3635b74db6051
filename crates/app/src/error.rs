//! The one error type every use case answers with. The api crate maps each
//! variant to exactly one problem document.

use thiserror::Error;
use zonmart_domain::{
    Denied, DiscountRefusal, OrderStatus, ProductId, StatusChangeError, ValidationErrors, Version, VersionConflict,
};
use zonmart_ports::{HashError, RepoError, TokenError};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AppError {
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Absent, or not visible to the caller (another customer's record).
    #[error("not found")]
    NotFound,
    #[error("version conflict: current version is {current}")]
    VersionConflict { current: Version },
    #[error("{field} is already taken")]
    Duplicate { field: String },
    /// A retry key reused with another request, or still in use.
    #[error("{0}")]
    IdempotencyConflict(KeyConflict),
    /// Products that do not exist or are archived, where they are needed.
    #[error("products unavailable")]
    ProductUnavailable { product_ids: Vec<ProductId> },
    /// Products without enough stock for the order.
    #[error("insufficient stock")]
    InsufficientStock { product_ids: Vec<ProductId> },
    /// The shipping method asked for cannot ship this order.
    #[error("the shipping method is unknown, archived, in another currency or does not ship there")]
    ShippingUnavailable,
    /// The discount code cannot be used on this order, and why.
    #[error("the discount code cannot be used: {reason}")]
    DiscountUnavailable { reason: DiscountRefusal },
    /// An order status change the state machine does not have.
    #[error("an order that is {from} cannot become {to}")]
    InvalidTransition { from: OrderStatus, to: OrderStatus },
    /// Missing, wrong or expired credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// Authenticated, but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("the store is unavailable")]
    Unavailable,
    /// A payment webhook whose `Stripe-Signature` is missing, wrong or stale.
    #[error("the Stripe-Signature header is missing, does not match the body, or is more than 300 s old")]
    InvalidSignature,
    /// No payment webhook secret is configured.
    #[error("payments are not configured: ZONMART_PAYMENT_WEBHOOK_SECRET is unset")]
    PaymentsDisabled,
    /// The resource kept changing under the request; retrying later will do.
    #[error("the order kept changing while this was decided; retry shortly")]
    Busy,
    /// A bug or broken invariant: logged in full, shown to nobody.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn validation(field: &str, message: &str) -> Self {
        AppError::Validation(ValidationErrors::single(field, message))
    }
}

impl From<RepoError> for AppError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => AppError::NotFound,
            RepoError::VersionConflict { current } => AppError::VersionConflict { current },
            RepoError::Duplicate { field } => AppError::Duplicate { field },
            RepoError::Unavailable(detail) => {
                tracing::warn!(%detail, "store unavailable");
                AppError::Unavailable
            }
            RepoError::Internal(detail) => AppError::Internal(detail),
        }
    }
}

impl From<VersionConflict> for AppError {
    fn from(e: VersionConflict) -> Self {
        AppError::VersionConflict { current: e.current }
    }
}

impl From<HashError> for AppError {
    fn from(e: HashError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Invalid | TokenError::Expired => AppError::Unauthorized,
            TokenError::Signing(detail) => AppError::Internal(detail),
        }
    }
}

impl From<StatusChangeError> for AppError {
    fn from(e: StatusChangeError) -> Self {
        match e {
            StatusChangeError::InvalidTransition { from, to } => AppError::InvalidTransition { from, to },
            StatusChangeError::Forbidden => AppError::Forbidden(e.to_string()),
        }
    }
}

impl From<Denied> for AppError {
    fn from(e: Denied) -> Self {
        AppError::Forbidden(e.to_string())
    }
}

/// Why a retry key cannot be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyConflict {
    /// The first request with this key has not finished.
    #[error("a request with this key is still in progress; retry shortly")]
    InFlight,
    /// The key was used with a different request.
    #[error("this key was already used with a different request")]
    Mismatch,
}
