//! Zonmart's use cases. Each service orchestrates ports to carry out one
//! business flow and decides authorization; it knows nothing of HTTP or SQL.
//!
//! - [`UserService`]: register, create, read, list, update, delete users.
//! - [`AuthService`]: log in, refresh and log out, authenticate a bearer token,
//!   bootstrap the first admin.
//! - [`ProductService`]: the catalog (public reads, admin writes, archiving).
//! - [`CartService`]: the caller's cart.
//! - [`OrderService`]: placing and quoting orders without overselling, the status machine.
//! - [`checkout`]: [`AddressService`], [`ShippingMethodService`],
//!   [`TaxRateService`], [`DiscountService`].
//! - [`IdempotencyService`]: replaying the first answer to a retried request.

mod access;
pub mod auth;
pub mod cart;
pub mod checkout;
pub mod error;
pub mod idempotency;
pub mod orders;
pub mod products;
pub mod users;

#[cfg(test)]
mod test_support;

pub use auth::{AuthPorts, AuthService, LoginTokens};
pub use cart::CartService;
pub use checkout::{AddressService, DiscountService, ShippingMethodService, TaxRateService};
pub use error::AppError;
pub use idempotency::{Begin, IdempotencyService};
pub use orders::{OrderRequest, OrderService};
pub use products::ProductService;
pub use users::UserService;
