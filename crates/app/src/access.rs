//! The authorization rules several use cases share.

use zonmart_domain::Actor;

use crate::AppError;

/// Admins only; `what` completes "only an admin may …".
pub(crate) fn require_admin(actor: &Actor, what: &str) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("only an admin may {what}")))
    }
}
