//! The authorization rules several use cases share.

use zonmart_domain::{Actor, Scope, UserId};

use crate::AppError;

/// Admins only; `what` completes "only an admin may …".
pub(crate) fn require_admin(actor: &Actor, what: &str) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("only an admin may {what}")))
    }
}

/// Catalog writes (products, shipping methods, tax rates, discount codes):
/// an admin, or a service key holding `catalog:write`.
pub(crate) fn require_catalog_admin(actor: &Actor, what: &str) -> Result<(), AppError> {
    actor.require(Scope::CatalogWrite)?;
    require_admin(actor, what)
}

/// An admin acting as a user: a service key may not (API keys, user
/// accounts).
pub(crate) fn require_admin_user(actor: &Actor, what: &str) -> Result<(), AppError> {
    actor.require_user_account()?;
    require_admin(actor, what)
}

/// A request that names its user (the seed's paths do) may name only the
/// caller: carts and orders are the caller's own.
pub(crate) fn require_named_self(actor_user: UserId, named: UserId) -> Result<(), AppError> {
    if named == actor_user {
        Ok(())
    } else {
        Err(AppError::Forbidden("carts and orders can only be the caller's own".into()))
    }
}

/// How many times an unversioned write (the seed's paths had no versions)
/// is run again when a concurrent write moved the record on between its read
/// and its write.
const UNVERSIONED_RETRIES: usize = 3;

/// Runs `attempt`, a read of the current version followed by a write at it,
/// again on a version conflict, up to [`UNVERSIONED_RETRIES`] times.
pub(crate) async fn at_current_version<T, F, Fut>(mut attempt: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(AppError::VersionConflict { .. }) if tries < UNVERSIONED_RETRIES => tries += 1,
            other => return other,
        }
    }
}
