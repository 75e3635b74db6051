//! The traits Zonmart's use cases need from the outside world, and the errors
//! they may answer with. Adapters implement them; use cases depend on nothing
//! else. With the `mock` feature every trait has a `mockall` mock
//! (`MockUserRepository`, ...), so other crates' tests can use them.

pub mod api_keys;
pub mod cart_repository;
pub mod checkout_repositories;
pub mod clock;
pub mod demo;
pub mod events;
pub mod health;
pub mod idempotency_store;
pub mod ids;
pub mod order_repository;
pub mod password;
pub mod payments;
pub mod product_repository;
pub mod rate_limit;
pub mod refresh_tokens;
pub mod repo_error;
pub mod token;
pub mod user_repository;
pub mod webhooks;

pub use api_keys::ApiKeyRepository;
pub use cart_repository::CartRepository;
pub use checkout_repositories::{AddressRepository, DiscountRepository, ShippingMethodRepository, TaxRateRepository};
pub use clock::Clock;
pub use demo::{DemoMarker, DemoMarkerStore, StoreSurvey};
pub use events::{EventStore, FeedPage, OrderEventDraft, ResourceJson};
pub use health::StoreHealth;
pub use idempotency_store::{Claim, IdempotencyStore, StoredResponse};
pub use ids::IdGenerator;
pub use order_repository::{Checkout, OrderFilter, OrderRepository, OrderSource, PlaceOrder, PlaceOrderError, ShipTo};
pub use password::{HashError, PasswordHasher};
pub use payments::{PaymentRecord, PaymentWrite, Recorded, SignatureVerifier};
pub use product_repository::{ProductFilter, ProductRepository, ProductSort, Relevance};
pub use rate_limit::RateCounter;
pub use refresh_tokens::{Consumed, RefreshToken, RefreshTokenStore, SecretGenerator};
pub use repo_error::RepoError;
pub use token::{AccessClaims, TokenError, TokenIssuer};
pub use user_repository::{UserFilter, UserRepository};
pub use webhooks::{DeliveryCounts, DeliveryStore, DueDelivery, TargetGuard, WebhookRepository, WebhookSender};

#[cfg(feature = "mock")]
pub use {
    api_keys::MockApiKeyRepository,
    cart_repository::MockCartRepository,
    checkout_repositories::{
        MockAddressRepository, MockDiscountRepository, MockShippingMethodRepository, MockTaxRateRepository,
    },
    clock::MockClock,
    demo::MockDemoMarkerStore,
    events::{MockEventStore, MockResourceJson},
    health::MockStoreHealth,
    idempotency_store::MockIdempotencyStore,
    ids::MockIdGenerator,
    order_repository::MockOrderRepository,
    password::MockPasswordHasher,
    payments::MockSignatureVerifier,
    product_repository::MockProductRepository,
    rate_limit::MockRateCounter,
    refresh_tokens::{MockRefreshTokenStore, MockSecretGenerator},
    token::MockTokenIssuer,
    user_repository::MockUserRepository,
    webhooks::{MockDeliveryStore, MockTargetGuard, MockWebhookRepository, MockWebhookSender},
};
