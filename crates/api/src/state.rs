//! The services every handler reaches through `web::Data<AppState>`, wired
//! from the adapters: the composition root.

use std::sync::Arc;

use zonmart_adapters::{
    BcryptHasher, Database, JwtIssuer, RandomSecrets, SqlApiKeyRepository, SqlCartRepository, SqlEventStore,
    SqlIdempotencyStore, SqlOrderRepository, SqlProductRepository, SqlRefreshTokenStore, SqlUserRepository,
    SystemClock, UlidGenerator,
};
use zonmart_app::{
    ApiKeyService, AuthPorts, AuthService, CartService, EventComposer, EventService, IdempotencyService, OrderService,
    ProductService, UserService,
};
use zonmart_ports::{
    Clock, HashError, IdGenerator, PasswordHasher, ProductRepository, StoreHealth, TokenIssuer, UserRepository,
};

use crate::dto::resource_json::ApiResourceJson;

use crate::config::Settings;

pub struct AppState {
    pub users: UserService,
    pub auth: AuthService,
    pub products: ProductService,
    pub cart: CartService,
    pub orders: OrderService,
    pub idempotency: IdempotencyService,
    pub api_keys: ApiKeyService,
    pub events: EventService,
    pub health: Arc<dyn StoreHealth>,
    /// For the pool gauges of `/metrics`.
    pub database: Database,
}

impl AppState {
    /// Fails only if the password hasher cannot be built (a bad cost).
    pub fn wire(db: Database, settings: &Settings) -> Result<Self, HashError> {
        let users: Arc<dyn UserRepository> = Arc::new(SqlUserRepository::new(db.clone()));
        let hasher: Arc<dyn PasswordHasher> = Arc::new(BcryptHasher::new(settings.bcrypt_cost)?);
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
        Ok(AppState {
            users: UserService::new(users.clone(), hasher.clone(), clock.clone(), ids.clone(), events.clone()),
            products: ProductService::new(products.clone(), clock.clone(), ids.clone(), events.clone()),
            cart: CartService::new(Arc::new(SqlCartRepository::new(db.clone())), products, clock.clone(), ids.clone()),
            orders: OrderService::new(
                Arc::new(SqlOrderRepository::new(db.clone())),
                clock.clone(),
                ids.clone(),
                events.clone(),
            ),
            api_keys: ApiKeyService::new(
                Arc::new(SqlApiKeyRepository::new(db.clone())),
                Arc::new(RandomSecrets),
                clock.clone(),
                ids.clone(),
            ),
            events: EventService::new(Arc::new(SqlEventStore::new(db.clone())), clock.clone()),
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
}
