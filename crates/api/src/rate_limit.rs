//! Rate limits (API.md, "Rate limiting"), on actix-governor:
//! - the auth endpoints, per client IP (`ZONMART_RATE_LIMIT_AUTH_PER_MINUTE`, burst 5);
//! - everything else, per user (a valid token's `sub`) or else per IP
//!   (`ZONMART_RATE_LIMIT_PER_MINUTE`, burst one minute's allowance);
//!   `/health`, `/ready` and `/metrics` are exempt; a service API key is
//!   counted per key.
//!
//! Over the limit: 429 `rate_limited` with `Retry-After` in whole seconds.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::NotUntil;
use actix_governor::{GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError};
use actix_web::dev::ServiceRequest;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};

use zonmart_domain::api_key::is_api_key;

use crate::extract::auth::bearer_token;
use crate::problem::ApiError;
use crate::state::AppState;

/// Whom a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// Never limited.
    Exempt,
    User(String),
    /// A service API key (by a digest of it).
    ApiKey(u64),
    Ip(IpAddr),
}

/// A key's bucket: a SipHash of it with a per-process random key.
fn key_bucket(token: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static SEED: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();
    let mut hasher = SEED.get_or_init(Default::default).build_hasher();
    hasher.write(token.as_bytes());
    hasher.finish()
}

const EXEMPT_PATHS: [&str; 3] = ["/health", "/ready", "/metrics"];

fn client_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn too_many(negative: &NotUntil<QuantaInstant>) -> HttpResponse {
    let wait = negative.wait_time_from(DefaultClock::default().now());
    ApiError::RateLimited { retry_after: whole_seconds(wait) }.error_response()
}

/// Counts per client IP.
#[derive(Debug, Clone, Copy)]
pub struct PerClientIp;

impl KeyExtractor for PerClientIp {
    type Key = RateKey;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<RateKey, Self::KeyExtractionError> {
        Ok(RateKey::Ip(client_ip(req.request())))
    }

    fn exceed_rate_limit_response(&self, negative: &NotUntil<QuantaInstant>, _: HttpResponseBuilder) -> HttpResponse {
        too_many(negative)
    }
}

/// Counts per authenticated user, falling back to the client IP. Only a
/// token with a valid signature names a user, so forged `sub`s cannot
/// spread one client over many buckets.
#[derive(Debug, Clone, Copy)]
pub struct PerCallerOrIp;

impl KeyExtractor for PerCallerOrIp {
    type Key = RateKey;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<RateKey, Self::KeyExtractionError> {
        if EXEMPT_PATHS.contains(&req.path()) {
            return Ok(RateKey::Exempt);
        }
        let Some(token) = bearer_token(req.request()) else { return Ok(RateKey::Ip(client_ip(req.request()))) };
        if is_api_key(token) {
            // Per key: a digest of it, so no secret is kept in the limiter
            // (an unknown key only buckets its sender's own guesses).
            return Ok(RateKey::ApiKey(key_bucket(token)));
        }
        let user = req.app_data::<web::Data<AppState>>().and_then(|state| state.auth.verified_subject(token));
        Ok(match user {
            Some(user_id) => RateKey::User(user_id.to_string()),
            None => RateKey::Ip(client_ip(req.request())),
        })
    }

    fn exceed_rate_limit_response(&self, negative: &NotUntil<QuantaInstant>, _: HttpResponseBuilder) -> HttpResponse {
        too_many(negative)
    }

    fn whitelisted_keys(&self) -> Vec<RateKey> {
        vec![RateKey::Exempt]
    }
}

/// One limit: its governor configuration, and whether it is on at all
/// (a limit of 0 is off; the middleware is then skipped entirely).
#[derive(Clone)]
pub struct Limit<K: KeyExtractor> {
    pub config: GovernorConfig<K, NoOpMiddleware<QuantaInstant>>,
    pub enabled: bool,
}

impl<K: KeyExtractor> Limit<K> {
    /// `per_minute` requests a minute with bursts of `burst`; 0 is off.
    fn new(key: K, per_minute: u32, burst: u32) -> Self {
        let enabled = per_minute > 0;
        let period = Duration::from_nanos(60_000_000_000 / u64::from(per_minute.max(1)));
        let config = GovernorConfigBuilder::default()
            .key_extractor(key)
            .period(period)
            .burst_size(burst.max(1))
            .permissive(!enabled)
            .finish()
            // `finish` refuses only a zero period or burst, which `max(1)` rules out.
            .unwrap_or_else(|| unreachable!("a non-zero period and burst always build"));
        Limit { config, enabled }
    }

    fn forget_idle(&self) {
        if self.enabled {
            self.config.limiter().retain_recent();
        }
    }
}

impl AuthLimit {
    /// Counts one attempt of `req`'s client IP against the auth limit, for
    /// an attempt that is not an auth endpoint of its own: a `PATCH`
    /// carrying `current_password` would otherwise be a guessing oracle
    /// beside the limited login.
    pub fn charge(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        self.config.limiter().check_key(&RateKey::Ip(client_ip(req))).map_err(|negative| {
            let wait = negative.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited { retry_after: whole_seconds(wait) }
        })
    }
}

/// Whole seconds, rounded up, at least 1 (`Retry-After`).
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

pub type AuthLimit = Limit<PerClientIp>;
pub type GeneralLimit = Limit<PerCallerOrIp>;

/// The configured limits, built once and shared by every worker.
#[derive(Clone)]
pub struct RateLimits {
    pub auth: AuthLimit,
    pub general: GeneralLimit,
}

impl RateLimits {
    pub fn new(auth_per_minute: u32, general_per_minute: u32) -> Self {
        RateLimits {
            auth: Limit::new(PerClientIp, auth_per_minute, 5.min(auth_per_minute)),
            general: Limit::new(PerCallerOrIp, general_per_minute, general_per_minute),
        }
    }

    /// Forgets idle clients, so memory stays bounded by active ones.
    pub fn forget_idle(&self) {
        self.auth.forget_idle();
        self.general.forget_idle();
    }
}
