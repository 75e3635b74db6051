//! Where carts are kept: one per user.

use async_trait::async_trait;
use zonmart_domain::{Cart, UserId, Version};

use crate::RepoError;

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CartRepository: Send + Sync {
    async fn find_by_user(&self, user_id: UserId) -> Result<Option<Cart>, RepoError>;

    /// Stores a new (empty) cart; `Duplicate { field: "user_id" }` when the
    /// user already has one (two first uses at once: re-read it).
    async fn insert(&self, cart: &Cart) -> Result<(), RepoError>;

    /// Replaces the cart's lines and version with `cart`'s, only while the
    /// stored cart is at `expected`, atomically.
    async fn save(&self, cart: &Cart, expected: Version) -> Result<(), RepoError>;
}
