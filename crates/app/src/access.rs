//! The authorization rules several use cases share.

use zonmart_domain::{Actor, Scope};

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
