//! The original Zonmart's paths (API.md, "Seed compatibility"), kept so
//! existing clients work while they move to `/api/v1`.
//!
//! This module only translates shapes: every request goes to the same use
//! cases as its v1 twin (or to the use case's seed variant, which decides
//! the seed's own rules: a named user must be the caller, unversioned
//! writes at the current version), with the same authentication, ownership
//! and stock rules. What differs from v1 in shape lives here and nowhere
//! else: 200 instead of 201, decimal `price` in major units, `skip`/`limit`
//! instead of cursors, versions in `?current_version=` (or none, where the
//! seed had none).
//! Every operation is marked deprecated in the OpenAPI document.
#![allow(deprecated)]

pub mod dto;
pub mod orders;
pub mod products;
pub mod users;

use actix_web::web;

use crate::rate_limit::AuthLimit;

pub fn configure(cfg: &mut web::ServiceConfig, auth_limit: &AuthLimit) {
    users::configure(cfg, auth_limit);
    products::configure(cfg);
    orders::configure(cfg);
}
