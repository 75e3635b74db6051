//! Building the application: the actix `App` (routes, middleware, error
//! handlers) and the bound server. `main`, the tests and the benchmarks all
//! start Zonmart through [`Application::build`].

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpServer};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;
use zonmart_adapters::{Database, DbError, PoolOptions, ReplicaOptions};
use zonmart_domain::{Password, Username};

use crate::compat;
use crate::config::{ConfigError, Settings};
use crate::cors;
use crate::extract::declared_query::{refuse_undeclared, DeclaredQueries};
use crate::extract::BODY_LIMIT;
use crate::metrics;
use crate::openapi::ApiDoc;
use crate::problem::ApiError;
use crate::rate_limit::{RateLimiter, RateLimits, TrustedProxies};
use crate::routes;
use crate::state::AppState;
use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
    #[error("first admin: {0}")]
    Admin(String),
    #[error("wiring: {0}")]
    Wiring(String),
    #[error("demo: {0}")]
    Demo(#[from] zonmart_app::DemoError),
}

/// What the HTTP layer needs from the settings, cloned into every worker.
#[derive(Clone)]
pub struct HttpSettings {
    pub cors_origins: Vec<String>,
    /// Shared by all workers, so limits hold per process, not per worker.
    pub rate_limits: RateLimits,
}

/// How often idle rate-limit buckets, expired refresh tokens and expired
/// idempotency keys are purged.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// HTTP worker threads: as configured, or one per CPU core (actix-web's
/// default).
fn http_workers(settings: &Settings) -> usize {
    settings
        .workers
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// A bound, not yet running Zonmart server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database (and its read replicas, if any), migrates
    /// it, and binds the server.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let settings = settings.validated()?;
        let db = Self::connect(&settings).await?;
        Self::build_with_database(settings, db).await
    }

    /// The database (and its read replicas, if any) as [`Application::build`]
    /// connects to it, migrated.
    pub async fn connect(settings: &Settings) -> Result<Database, StartupError> {
        let replicas = ReplicaOptions { max_lag: std::time::Duration::from_millis(settings.replica_max_lag_ms) };
        let db = Database::connect_with_replicas(
            &settings.database_url,
            &settings.database_replica_urls,
            PoolOptions {
                max_size: settings.database_max_connections.map(usize::from),
                // A PostgreSQL pool shard per HTTP worker (each binds itself
                // in `build_with_database`), one spare connection for the rest.
                worker_shards: http_workers(settings),
                ..PoolOptions::default()
            },
            replicas,
        )
        .await?;
        if !settings.database_replica_urls.is_empty() {
            tracing::info!(
                replicas = settings.database_replica_urls.len(),
                max_lag_ms = settings.replica_max_lag_ms,
                "public catalog reads may be served by read replicas"
            );
        }
        db.migrate().await?;
        Ok(db)
    }

    /// Binds the server over an already migrated database (tests use this
    /// with a fresh database each).
    pub async fn build_with_database(settings: Settings, db: Database) -> Result<Self, StartupError> {
        let settings = settings.validated()?;
        let state = AppState::wire(db, &settings).map_err(StartupError::Wiring)?;
        Self::build_with_state(settings, state).await
    }

    /// Binds the server over services already wired (`serve --demo` seeds
    /// through them first).
    pub async fn build_with_state(settings: Settings, state: AppState) -> Result<Self, StartupError> {
        let settings = settings.validated()?;
        metrics::init();
        let state = web::Data::new(state);
        bootstrap_admin(&state, &settings).await?;

        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartupError::Bind { address: settings.bind.clone(), source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address: settings.bind.clone(), source })?
            .port();
        let proxies = TrustedProxies::new(settings.trusted_proxy_ips());
        let limiter = RateLimiter::new(settings.redis_url.as_deref(), &settings.redis_key_prefix, proxies)
            .map_err(StartupError::Wiring)?;
        if settings.redis_url.is_some() {
            tracing::info!("rate limits are counted in Redis, for every instance together");
        }
        let rate_limits = RateLimits::new(limiter, settings.rate_limit_auth_per_minute, settings.rate_limit_per_minute);
        spawn_housekeeping(state.clone(), rate_limits.clone());
        spawn_dispatcher(state.clone());
        if settings.order_payment_timeout_s > 0 {
            spawn_payment_expiry(state.clone(), settings.order_payment_timeout_s);
        }
        if settings.payment_webhook_secret.is_none() {
            tracing::info!("payments webhook off: set ZONMART_PAYMENT_WEBHOOK_SECRET to accept payment confirmations");
        }
        let http = HttpSettings { cors_origins: settings.cors_origins.clone(), rate_limits };
        let openapi = ApiDoc::openapi();
        let mut server = HttpServer::new(move || {
            // Runs on each worker thread as it starts.
            zonmart_adapters::bind_worker_thread();
            app(state.clone(), &http, openapi.clone())
        });
        server = server.workers(http_workers(&settings));
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind { address: settings.bind.clone(), source })?
            .shutdown_timeout(30)
            .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM, then finishes requests in flight (up to 30 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}

/// Runs for the life of the process: forgets idle rate-limit counters, and
/// deletes expired refresh tokens, expired idempotency keys and finished
/// webhook deliveries.
fn spawn_housekeeping(state: web::Data<AppState>, rate_limits: RateLimits) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            rate_limits.forget_idle();
            match state.auth.purge_expired_tokens().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired refresh tokens purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired refresh tokens failed"),
            }
            match state.idempotency.purge_expired().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired idempotency keys purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired idempotency keys failed"),
            }
            match state.webhooks.purge_finished().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "finished webhook deliveries purged"),
                Err(e) => tracing::warn!(error = %e, "purging finished deliveries failed"),
            }
            match state.events.purge_expired().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "events older than 7 days purged"),
                Err(e) => tracing::warn!(error = %e, "purging old events failed"),
            }
        }
    });
}

/// How often the webhook dispatcher looks for work when it found none.
const DISPATCH_IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs for the life of the process: sends webhook deliveries as they fall
/// due (several processes on one database share the work through leases).
fn spawn_dispatcher(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        loop {
            let started = std::time::Instant::now();
            match state.dispatcher.round().await {
                Ok(round) if round.sent > 0 => {
                    crate::metrics::record_dispatch_round(&round, started.elapsed());
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "a webhook dispatch round failed"),
            }
            actix_web::rt::time::sleep(DISPATCH_IDLE).await;
        }
    });
}

/// How often unpaid orders are looked for: an order is cancelled within
/// this long after its timeout (API.md promises 5 s).
const EXPIRY_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs for the life of the process: cancels orders left `pending` longer
/// than `timeout_s` (every server may run it; each order is expired once).
fn spawn_payment_expiry(state: web::Data<AppState>, timeout_s: u64) {
    let timeout = chrono::Duration::seconds(i64::try_from(timeout_s).unwrap_or(i64::MAX / 1000));
    tracing::info!(timeout_s, "unpaid orders are cancelled after ZONMART_ORDER_PAYMENT_TIMEOUT_S");
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(EXPIRY_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match state.payments.expire_unpaid(timeout).await {
                Ok(0) => {}
                Ok(expired) => {
                    crate::metrics::record_expired_orders(expired);
                    tracing::info!(expired, "unpaid orders cancelled (payment_timeout)");
                }
                Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed"),
            }
        }
    });
}

async fn bootstrap_admin(state: &AppState, settings: &Settings) -> Result<(), StartupError> {
    let (Some(name), Some(password)) = (&settings.admin_username, &settings.admin_password) else {
        return Ok(());
    };
    let username = Username::parse(name).map_err(|e| StartupError::Admin(format!("ZONMART_ADMIN_USERNAME {e}")))?;
    let password = Password::parse(password).map_err(|e| StartupError::Admin(format!("ZONMART_ADMIN_PASSWORD {e}")))?;
    state.auth.ensure_admin(username, password).await.map_err(|e| StartupError::Admin(e.to_string()))?;
    Ok(())
}

/// The whole application, as every worker (and every test) builds it.
pub fn app(
    state: web::Data<AppState>,
    http: &HttpSettings,
    openapi: utoipa::openapi::OpenApi,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let declared = std::rc::Rc::new(DeclaredQueries::from_openapi(&openapi));
    App::new()
        .app_data(state)
        .app_data(web::Data::new(http.rate_limits.auth.clone()))
        .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
        .app_data(web::PathConfig::default().error_handler(|e, _| path_error(e).into()))
        .app_data(web::FormConfig::default().limit(BODY_LIMIT).error_handler(|e, _| form_error(e).into()))
        .configure(routes::health::configure)
        .configure(metrics::configure)
        .configure(|cfg| routes::auth::configure(cfg, &http.rate_limits.auth))
        .configure(routes::users::configure)
        .configure(routes::products::configure)
        .configure(routes::cart::configure)
        .configure(routes::orders::configure)
        .configure(routes::payments::configure)
        .configure(routes::addresses::configure)
        .configure(routes::shipping_methods::configure)
        .configure(routes::tax_rates::configure)
        .configure(routes::discounts::configure)
        .configure(routes::api_keys::configure)
        .configure(routes::events::configure)
        .configure(routes::webhooks::configure)
        .configure(|cfg| compat::configure(cfg, &http.rate_limits.auth))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", openapi))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(
            |req: HttpRequest| async move { Err::<&str, _>(ApiError::NoRoute(req.path().to_owned())) },
        ))
        .wrap(from_fn(move |req, next| refuse_undeclared(declared.clone(), req, next)))
        .wrap(from_fn({
            let limit = http.rate_limits.general.clone();
            move |req, next| limit.clone().enforce(req, next)
        }))
        .wrap(cors::policy(&http.cors_origins))
        .wrap(from_fn(cors::only_for_listed_origins))
        .wrap(from_fn(telemetry::request_context))
}

fn query_error(e: QueryPayloadError) -> ApiError {
    ApiError::malformed(format!("invalid query string: {e}"))
}

fn path_error(e: PathError) -> ApiError {
    ApiError::malformed(format!("invalid path: {e}"))
}

fn form_error(e: UrlencodedError) -> ApiError {
    match e {
        UrlencodedError::ContentType => {
            ApiError::UnsupportedMediaType("send the form as Content-Type: application/x-www-form-urlencoded".into())
        }
        UrlencodedError::Overflow { .. } => ApiError::PayloadTooLarge { limit: BODY_LIMIT },
        other => ApiError::malformed(format!("invalid form: {other}")),
    }
}
