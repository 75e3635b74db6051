//! Where users are kept.

use async_trait::async_trait;
use zonmart_domain::{Event, Page, PageRequest, PasswordHash, Role, Timestamp, User, UserId, Version};

use crate::RepoError;

/// Narrows a user listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive prefix of the username or the e-mail.
    pub q: Option<String>,
    pub role: Option<Role>,
}

/// Stores users. Deleted users are invisible to every method: a deleted user
/// is `None`/`NotFound`, and their username and e-mail are free again.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user; `Duplicate { field: "username" | "email" }` when
    /// either is taken (case-insensitively), decided by a unique constraint.
    /// `event` (`user.registered`) is written in the same transaction.
    async fn insert(&self, user: &User, event: &Event) -> Result<(), RepoError>;

    async fn find(&self, id: UserId) -> Result<Option<User>, RepoError>;

    /// The user whose username or e-mail matches `login`, ignoring case.
    async fn find_by_login(&self, login: &str) -> Result<Option<User>, RepoError>;

    /// Newest first.
    async fn list(&self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, RepoError>;

    /// Writes `user` (already at its new version) only while the stored row
    /// is still at `expected`, in one statement. Otherwise `VersionConflict`
    /// with the current version, or `NotFound`.
    async fn update(&self, user: &User, expected: Version) -> Result<(), RepoError>;

    /// Replaces the password hash of a user while it is still `current`,
    /// changing nothing else (not the version: the password is the same,
    /// only its hash is renewed). A hash changed meanwhile is left alone.
    async fn replace_password_hash(
        &self,
        id: UserId,
        current: &PasswordHash,
        replacement: &PasswordHash,
    ) -> Result<(), RepoError>;

    /// Marks the user deleted at `at` (the row stays for the shop's records),
    /// only while it is at `expected` when one is given.
    async fn delete(&self, id: UserId, expected: Option<Version>, at: Timestamp) -> Result<(), RepoError>;
}
