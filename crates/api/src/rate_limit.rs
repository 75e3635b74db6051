//! Rate limits (API.md, "Rate limiting"), as GCRA (`zonmart_domain::Gcra`):
//! - the auth endpoints, per client IP (`ZONMART_RATE_LIMIT_AUTH_PER_MINUTE`, burst 5);
//! - everything else, per user (a valid token's `sub`) or else per IP
//!   (`ZONMART_RATE_LIMIT_PER_MINUTE`, burst one minute's allowance);
//!   `/health`, `/ready` and `/metrics` are exempt; a service API key is
//!   counted per key.
//!
//! The counters live in this process, or with `ZONMART_REDIS_URL` in Redis
//! for every instance at once. Redis not answering within 50 ms fails
//! open: the request is counted in this process instead (limits then hold
//! per instance), with a warning and `zonmart_rate_limit_redis_up` 0.
//!
//! The client IP is the TCP peer's, or, when the peer is one of
//! `ZONMART_TRUSTED_PROXIES`, the nearest untrusted address of its
//! `X-Forwarded-For`.
//!
//! Over the limit: 429 `rate_limited` with `Retry-After` in whole seconds.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, ResponseError};
use sha2::{Digest, Sha256};

use zonmart_adapters::{LocalRateCounter, RedisRateCounter};
use zonmart_domain::api_key::is_api_key;
use zonmart_domain::{Gcra, RateDecision};
use zonmart_ports::RateCounter;

use crate::extract::auth::bearer_token;
use crate::problem::ApiError;
use crate::state::AppState;

/// The longest a rate-limit check waits for Redis before counting locally.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(50);

const EXEMPT_PATHS: [&str; 3] = ["/health", "/ready", "/metrics"];

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    pub fn new(addresses: Vec<IpAddr>) -> Self {
        TrustedProxies(addresses)
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|proxy| proxy == ip || proxy.to_canonical() == ip.to_canonical())
    }

    /// The client's IP: the peer's, unless the peer is a trusted proxy; then
    /// the right-most `X-Forwarded-For` entry that is not itself a trusted
    /// proxy (entries further left were written by the client and prove
    /// nothing). A malformed header counts as the peer's own request.
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        let peer = req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if !self.trusts(&peer) {
            return peer;
        }
        let mut forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|hop| hop.trim().parse::<IpAddr>())
            .collect::<Vec<_>>();
        while let Some(hop) = forwarded.pop() {
            match hop {
                Ok(ip) if self.trusts(&ip) => continue,
                Ok(ip) => return ip,
                Err(_) => return peer,
            }
        }
        peer
    }
}

/// The counters and the policy for a store that does not answer.
pub struct RateLimiter {
    local: LocalRateCounter,
    shared: Option<Box<dyn RateCounter>>,
    shared_up: AtomicBool,
    proxies: TrustedProxies,
}

impl RateLimiter {
    /// Per process, or shared through Redis at `redis_url` under keys
    /// starting with `prefix`.
    pub fn new(redis_url: Option<&str>, prefix: &str, proxies: TrustedProxies) -> Result<Self, String> {
        let shared = match redis_url {
            None => None,
            Some(url) => Some(Box::new(
                RedisRateCounter::new(url, prefix, REDIS_TIMEOUT).map_err(|e| format!("ZONMART_REDIS_URL: {e}"))?,
            ) as Box<dyn RateCounter>),
        };
        if shared.is_some() {
            metrics::gauge!("zonmart_rate_limit_redis_up").set(1.0);
        }
        Ok(RateLimiter { local: LocalRateCounter::default(), shared, shared_up: AtomicBool::new(true), proxies })
    }

    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        self.proxies.client_ip(req)
    }

    /// One request of `key` under `rule`: Ok, or the 429 to answer.
    async fn check(&self, key: &str, rule: Gcra) -> Result<(), ApiError> {
        let decision = match &self.shared {
            None => self.local.hit_now(key, rule),
            Some(shared) => match shared.hit(key, rule).await {
                Ok(decision) => {
                    if !self.shared_up.swap(true, Ordering::Relaxed) {
                        tracing::warn!("Redis answers again: rate limits are fleet-wide again");
                        metrics::gauge!("zonmart_rate_limit_redis_up").set(1.0);
                    }
                    decision
                }
                Err(e) => {
                    if self.shared_up.swap(false, Ordering::Relaxed) {
                        tracing::error!(error = %e, "Redis is not answering: rate limits now count per instance (fail open)");
                        metrics::gauge!("zonmart_rate_limit_redis_up").set(0.0);
                    }
                    metrics::counter!("zonmart_rate_limit_redis_errors_total").increment(1);
                    self.local.hit_now(key, rule)
                }
            },
        };
        match decision {
            RateDecision::Allowed { .. } => Ok(()),
            RateDecision::Limited { retry_after } => {
                Err(ApiError::RateLimited { retry_after: whole_seconds(retry_after) })
            }
        }
    }

    fn forget_idle(&self) {
        self.local.forget_idle();
    }
}

/// Whom a limit counts a request against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// Per client IP.
    PerIp,
    /// Per user, per API key, or else per client IP; some paths exempt.
    PerCaller,
}

/// One limit: its rule, whether it is on (0 a minute is off), and whom it counts.
#[derive(Clone)]
pub struct Limit {
    limiter: Arc<RateLimiter>,
    rule: Gcra,
    pub enabled: bool,
    counted: Counted,
    name: &'static str,
}

impl Limit {
    fn new(limiter: Arc<RateLimiter>, name: &'static str, counted: Counted, per_minute: u32, burst: u32) -> Self {
        Limit { limiter, rule: Gcra::per_minute(per_minute, burst), enabled: per_minute > 0, counted, name }
    }

    /// The key `req` is counted under, or None when it is not limited.
    fn key(&self, req: &ServiceRequest) -> Option<String> {
        let ip = || format!("{}:ip:{}", self.name, self.limiter.client_ip(req.request()));
        match self.counted {
            Counted::PerIp => Some(ip()),
            Counted::PerCaller if EXEMPT_PATHS.contains(&req.path()) => None,
            Counted::PerCaller => {
                let Some(token) = bearer_token(req.request()) else { return Some(ip()) };
                if is_api_key(token) {
                    // Per key, by a digest of it: no secret is kept in the
                    // counters (an unknown key only buckets its sender's guesses).
                    let digest = Sha256::digest(token.as_bytes());
                    let short: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
                    return Some(format!("{}:key:{short}", self.name));
                }
                // Only a token with a valid signature names a user, so forged
                // `sub`s cannot spread one client over many buckets.
                let user = req.app_data::<web::Data<AppState>>().and_then(|state| state.auth.verified_subject(token));
                Some(match user {
                    Some(user_id) => format!("{}:user:{user_id}", self.name),
                    None => ip(),
                })
            }
        }
    }

    /// The middleware: counts `req`, and answers 429 instead of passing it on
    /// when it is over the limit.
    pub async fn enforce<B: MessageBody + 'static>(
        self,
        req: ServiceRequest,
        next: Next<B>,
    ) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
        if self.enabled {
            if let Some(key) = self.key(&req) {
                if let Err(refused) = self.limiter.check(&key, self.rule).await {
                    return Ok(req.into_response(refused.error_response()).map_into_right_body());
                }
            }
        }
        next.call(req).await.map(ServiceResponse::map_into_left_body)
    }

    /// Counts one attempt of `req`'s client IP against this (auth) limit,
    /// for an attempt that is not an auth endpoint of its own: a `PATCH`
    /// carrying `current_password` would otherwise be a guessing oracle
    /// beside the limited login.
    pub async fn charge(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let key = format!("{}:ip:{}", self.name, self.limiter.client_ip(req));
        self.limiter.check(&key, self.rule).await
    }
}

/// Whole seconds, rounded up, at least 1 (`Retry-After`).
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

pub type AuthLimit = Limit;

/// The configured limits, built once and shared by every worker.
#[derive(Clone)]
pub struct RateLimits {
    pub auth: Limit,
    pub general: Limit,
    limiter: Arc<RateLimiter>,
}

impl RateLimits {
    pub fn new(limiter: RateLimiter, auth_per_minute: u32, general_per_minute: u32) -> Self {
        let limiter = Arc::new(limiter);
        RateLimits {
            auth: Limit::new(limiter.clone(), "auth", Counted::PerIp, auth_per_minute, 5.min(auth_per_minute)),
            general: Limit::new(limiter.clone(), "api", Counted::PerCaller, general_per_minute, general_per_minute),
            limiter,
        }
    }

    /// Forgets idle clients, so memory stays bounded by active ones.
    pub fn forget_idle(&self) {
        self.limiter.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn from(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:4000").parse().unwrap());
        if let Some(header) = forwarded {
            req = req.insert_header(("x-forwarded-for", header));
        }
        req.to_http_request()
    }

    #[test]
    fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()]);
        let ip = |peer, header| proxies.client_ip(&from(peer, header)).to_string();
        assert_eq!(ip("198.51.100.9", Some("203.0.113.7")), "198.51.100.9", "an arbitrary client's header is ignored");
        assert_eq!(ip("127.0.0.1", Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(ip("127.0.0.1", None), "127.0.0.1", "the proxy's own request");
        // The client wrote the left part: the right-most untrusted hop is the one the proxy saw.
        assert_eq!(ip("127.0.0.1", Some("1.2.3.4, 203.0.113.7")), "203.0.113.7");
        assert_eq!(ip("127.0.0.1", Some("203.0.113.7, 10.0.0.2")), "203.0.113.7", "a chain of trusted proxies");
        assert_eq!(ip("127.0.0.1", Some("not-an-ip")), "127.0.0.1");
        assert_eq!(
            TrustedProxies::default().client_ip(&from("127.0.0.1", Some("203.0.113.7"))).to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn whole_seconds_round_up_to_at_least_one() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(6000)), 6);
        assert_eq!(whole_seconds(Duration::from_millis(6001)), 7);
    }
}
