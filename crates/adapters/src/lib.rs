//! Zonmart's adapters: the implementations of the ports.
//!
//! - [`db`]: the database handle (PostgreSQL or SQLite by URL), its pool,
//!   migrations and health check, its read replicas and the one policy of
//!   which reads may use them; database errors become `RepoError`s here.
//! - [`schema`]: the diesel tables, one schema for both backends.
//! - [`user_repository`], [`product_repository`], [`cart_repository`]:
//!   `UserRepository`, `ProductRepository` and `CartRepository` on that database.
//! - [`order_repository`]: `OrderRepository`, whose transactions move stock
//!   and discount uses with the orders; [`idempotency_store`]: `IdempotencyStore`.
//! - [`address_repository`], [`shipping_method_repository`],
//!   [`tax_rate_repository`], [`discount_repository`]: the checkout's resources.
//! - [`refresh_token_store`]: `RefreshTokenStore` on that database, and
//!   [`secrets`]: the `SecretGenerator` making the tokens.
//! - [`event_store`]: the outbox (`events`), written by each change's own
//!   transaction, and the `EventStore` feed over it; [`api_key_repository`]:
//!   `ApiKeyRepository`.
//! - [`webhooks`]: subscriptions, deliveries (fan-out, leases) and the
//!   signed, SSRF-guarded HTTP sender.
//! - [`demo_marker`]: `DemoMarkerStore`, whether the demo made what the
//!   database holds.
//! - [`password`]: bcrypt `PasswordHasher`, off the async workers.
//! - [`jwt`]: HS256 `TokenIssuer`.
//! - [`clock`], [`ids`]: the real `Clock` and a monotonic ULID `IdGenerator`.
//! - `testing` (feature `test-support`): fresh databases per test.

pub mod address_repository;
pub mod api_key_repository;
pub mod cart_repository;
pub mod clock;
pub mod db;
pub mod demo_marker;
mod digest;
pub mod discount_repository;
pub mod event_store;
pub mod idempotency_store;
pub mod ids;
pub mod jwt;
pub mod order_repository;
pub mod password;
pub mod payment_signature;
pub mod product_repository;
pub mod rate_limit;
pub mod refresh_token_store;
pub mod schema;
pub mod secrets;
pub mod shipping_method_repository;
pub mod tax_rate_repository;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod user_repository;
pub mod webhooks;

pub use address_repository::SqlAddressRepository;
pub use api_key_repository::SqlApiKeyRepository;
pub use cart_repository::SqlCartRepository;
pub use clock::SystemClock;
pub use db::{bind_worker_thread, Database, DbError, PoolOptions, PoolStatus, ReplicaOptions, ReplicaStatus};
pub use demo_marker::SqlDemoMarkerStore;
pub use discount_repository::SqlDiscountRepository;
pub use event_store::SqlEventStore;
pub use idempotency_store::SqlIdempotencyStore;
pub use ids::UlidGenerator;
pub use jwt::JwtIssuer;
pub use order_repository::SqlOrderRepository;
pub use password::BcryptHasher;
pub use payment_signature::HmacSha256Verifier;
pub use product_repository::SqlProductRepository;
pub use rate_limit::{LocalRateCounter, RedisRateCounter};
pub use refresh_token_store::SqlRefreshTokenStore;
pub use secrets::RandomSecrets;
pub use shipping_method_repository::SqlShippingMethodRepository;
pub use tax_rate_repository::SqlTaxRateRepository;
pub use user_repository::SqlUserRepository;
pub use webhooks::{HttpWebhookSender, ResolvingTargetGuard, SenderOptions, SqlDeliveryStore, SqlWebhookRepository};
