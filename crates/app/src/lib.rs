//! Zonmart's use cases. Each service orchestrates ports to carry out one
//! business flow and decides authorization; it knows nothing of HTTP or SQL.
//!
//! - [`UserService`]: register, create, read, list, update, delete users.
//! - [`AuthService`]: log in, refresh and log out, authenticate a bearer token,
//!   bootstrap the first admin.
//! - [`ProductService`]: the catalog (public reads, admin writes, archiving).
//! - [`CartService`]: the caller's cart.
//! - [`OrderService`]: placing and quoting orders without overselling, the status machine.
//! - [`PaymentService`]: a provider's signed payment webhook, once per event; unpaid orders expiring.
//! - [`checkout`]: [`AddressService`], [`ShippingMethodService`],
//!   [`TaxRateService`], [`DiscountService`].
//! - [`ApiKeyService`]: service API keys, and the actor behind one.
//! - [`EventService`]: the event feed; [`EventComposer`]: the event a change writes.
//! - [`WebhookService`]: subscriptions and their deliveries log;
//!   [`WebhookDispatcher`]: sends due deliveries.
//! - [`DemoSeeder`]: the demo shop, written through the services above,
//!   only to a database that is empty or the demo's own.
//! - [`IdempotencyService`]: replaying the first answer to a retried request.

mod access;
pub mod api_keys;
pub mod auth;
pub mod cart;
pub mod checkout;
pub mod demo;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod orders;
pub mod payments;
pub mod products;
pub mod users;
pub mod webhooks;

#[cfg(test)]
mod test_support;

pub use api_keys::{ApiKeyService, IssuedApiKey};
pub use auth::{AuthPorts, AuthService, LoginTokens};
pub use cart::CartService;
pub use checkout::{AddressService, DiscountService, ShippingMethodService, TaxRateService};
pub use demo::{DemoError, DemoReport, DemoSeeder, DemoShop, StoreContents};
pub use error::{AppError, KeyConflict};
pub use events::{EventComposer, EventService, FeedLimit};
pub use idempotency::{Begin, IdempotencyService};
pub use orders::{OrderRequest, OrderService};
pub use payments::{PaymentNotice, PaymentResult, PaymentService, VerifiedBody};
pub use products::ProductService;
pub use users::UserService;
pub use webhooks::{CreatedWebhook, DispatchSettings, Round, WebhookDispatcher, WebhookPorts, WebhookService};
