//! Request extractors: each turns one part of an HTTP request into a typed
//! value or an [`ApiError`](crate::problem::ApiError) problem document.

pub mod auth;
pub mod declared_query;
pub mod form;
pub mod id;
pub mod json;
pub mod precondition;
pub mod query;

pub use auth::{Authenticated, TokenHolder};
pub use form::ApiForm;
pub use id::parse_id;
pub use json::{ApiJson, MaybeJson, RawBody, BODY_LIMIT};
pub use precondition::Precondition;
pub use query::ApiQuery;
