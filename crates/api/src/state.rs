//! The services every handler reaches through `web::Data<AppState>`, wired
//! from the adapters: the composition root.

use std::sync::Arc;

use zonmart_adapters::{
    BcryptHasher, Database, HmacSha256Verifier, HttpWebhookSender, JwtIssuer, RandomSecrets, ResolvingTargetGuard,
    SenderOptions, SqlAddressRepository, SqlApiKeyRepository, SqlCartRepository, SqlDeliveryStore, SqlDemoMarkerStore,
    SqlDiscountRepository, SqlEventStore, SqlIdempotencyStore, SqlOrderRepository, SqlProductRepository,
    SqlRefreshTokenStore, SqlShippingMethodRepository, SqlTaxRateRepository, SqlUserRepository, SqlWebhookRepository,
    SystemClock, UlidGenerator,
};
use zonmart_app::{
    AddressService, ApiKeyService, AuthPorts, AuthService, CartService, DemoSeeder, DemoShop, DiscountService,
    DispatchSettings, EventComposer, EventService, IdempotencyService, OrderService, PaymentService, ProductService,
    ShippingMethodService, TaxRateService, UserService, WebhookDispatcher, WebhookPorts, WebhookService,
};
use zonmart_domain::RetryPolicy;
use zonmart_ports::{
    Clock, HashError, IdGenerator, OrderRepository, PasswordHasher, ProductRepository, SignatureVerifier, StoreHealth,
    TokenIssuer, UserRepository,
};

use crate::dto::resource_json::ApiResourceJson;

use crate::config::Settings;

pub struct AppState {
    pub users: UserService,
    pub auth: AuthService,
    pub products: ProductService,
    pub cart: CartService,
    pub orders: OrderService,
    pub payments: PaymentService,
    pub addresses: AddressService,
    pub shipping_methods: ShippingMethodService,
    pub tax_rates: TaxRateService,
    pub discounts: DiscountService,
    pub idempotency: IdempotencyService,
    pub api_keys: ApiKeyService,
    pub events: EventService,
    pub webhooks: WebhookService,
    pub dispatcher: WebhookDispatcher,
    pub demo: DemoSeeder,
    pub health: Arc<dyn StoreHealth>,
    /// For the pool gauges of `/metrics`.
    pub database: Database,
}

impl AppState {
    /// Fails only if the password hasher (a bad cost) or the webhook client
    /// cannot be built.
    pub fn wire(db: Database, settings: &Settings) -> Result<Self, String> {
        let users: Arc<dyn UserRepository> = Arc::new(SqlUserRepository::new(db.clone()));
        let hasher: Arc<dyn PasswordHasher> =
            Arc::new(BcryptHasher::new(settings.bcrypt_cost).map_err(|e: HashError| e.to_string())?);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ids: Arc<dyn IdGenerator> = Arc::new(UlidGenerator::default());
        let tokens: Arc<dyn TokenIssuer> = Arc::new(match &settings.jwt_secret {
            Some(secret) => JwtIssuer::hs256(secret.as_bytes()),
            None => {
                tracing::warn!(
                    "ZONMART_JWT_SECRET is not set: using a random key for this run only. \
                     Tokens stop working on restart and differ between instances. Set it in production."
                );
                JwtIssuer::random_hs256()
            }
        });
        let products: Arc<dyn ProductRepository> = Arc::new(SqlProductRepository::new(db.clone()));
        let events = EventComposer::new(ids.clone(), Arc::new(ApiResourceJson));
        let orders: Arc<dyn OrderRepository> = Arc::new(SqlOrderRepository::new(db.clone()));
        let verifier = settings
            .payment_webhook_secret
            .as_deref()
            .map(|secret| Arc::new(HmacSha256Verifier::new(secret)) as Arc<dyn SignatureVerifier>);
        let timeout = std::time::Duration::from_millis(settings.webhook_timeout_ms);
        let allow_private = settings.webhook_allow_private_targets;
        let guard = Arc::new(ResolvingTargetGuard { allow_private });
        let sender = Arc::new(HttpWebhookSender::new(SenderOptions { timeout, allow_private, max_in_flight: 64 })?);
        let deliveries = Arc::new(SqlDeliveryStore::new(db.clone()));
        let dispatch = DispatchSettings {
            policy: RetryPolicy { base: chrono::Duration::milliseconds(settings.webhook_backoff_ms as i64) },
            // Longer than any send can take, so a lease never ends mid-send.
            lease: chrono::Duration::from_std(timeout * 3).unwrap_or(chrono::Duration::seconds(60)),
            batch: 64,
        };
        Ok(AppState {
            users: UserService::new(users.clone(), hasher.clone(), clock.clone(), ids.clone(), events.clone()),
            products: ProductService::new(products.clone(), clock.clone(), ids.clone(), events.clone()),
            cart: CartService::new(Arc::new(SqlCartRepository::new(db.clone())), products, clock.clone(), ids.clone()),
            orders: OrderService::new(orders.clone(), clock.clone(), ids.clone(), events.clone()),
            payments: PaymentService::new(orders, clock.clone(), events.clone(), verifier),
            api_keys: ApiKeyService::new(
                Arc::new(SqlApiKeyRepository::new(db.clone())),
                Arc::new(RandomSecrets),
                clock.clone(),
                ids.clone(),
            ),
            events: EventService::new(Arc::new(SqlEventStore::new(db.clone())), clock.clone()),
            webhooks: WebhookService::new(WebhookPorts {
                webhooks: Arc::new(SqlWebhookRepository::new(db.clone())),
                deliveries: deliveries.clone(),
                guard: guard.clone(),
                secrets: Arc::new(RandomSecrets),
                clock: clock.clone(),
                ids: ids.clone(),
            }),
            dispatcher: WebhookDispatcher::new(deliveries, sender, guard, clock.clone(), dispatch),
            addresses: AddressService::new(Arc::new(SqlAddressRepository::new(db.clone())), clock.clone(), ids.clone()),
            shipping_methods: ShippingMethodService::new(
                Arc::new(SqlShippingMethodRepository::new(db.clone())),
                clock.clone(),
                ids.clone(),
            ),
            tax_rates: TaxRateService::new(Arc::new(SqlTaxRateRepository::new(db.clone())), clock.clone(), ids.clone()),
            discounts: DiscountService::new(
                Arc::new(SqlDiscountRepository::new(db.clone())),
                clock.clone(),
                ids.clone(),
            ),
            demo: DemoSeeder::new(
                Arc::new(SqlDemoMarkerStore::new(db.clone())),
                users.clone(),
                Arc::new(RandomSecrets),
                clock.clone(),
            ),
            idempotency: IdempotencyService::new(Arc::new(SqlIdempotencyStore::new(db.clone())), clock.clone()),
            auth: AuthService::new(AuthPorts {
                users,
                hasher,
                tokens,
                refresh_tokens: Arc::new(SqlRefreshTokenStore::new(db.clone())),
                secrets: Arc::new(RandomSecrets),
                clock,
                ids,
                events,
            }),
            health: Arc::new(db.clone()),
            database: db,
        })
    }

    /// The services the demo shop is written through.
    pub fn demo_shop(&self) -> DemoShop<'_> {
        DemoShop {
            auth: &self.auth,
            users: &self.users,
            products: &self.products,
            shipping_methods: &self.shipping_methods,
            tax_rates: &self.tax_rates,
            discounts: &self.discounts,
            addresses: &self.addresses,
            orders: &self.orders,
        }
    }
}
