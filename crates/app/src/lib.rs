//! Zonmart's use cases. Each service orchestrates ports to carry out one
//! business flow and decides authorization; it knows nothing of HTTP or SQL.
//!
//! - [`UserService`]: register, create, read, list, update, delete users.
//! - [`AuthService`]: log in, refresh and log out, authenticate a bearer token,
//!   bootstrap the first admin.

pub mod auth;
pub mod error;
pub mod users;

#[cfg(test)]
mod test_support;

pub use auth::{AuthPorts, AuthService, LoginTokens};
pub use error::AppError;
pub use users::UserService;
