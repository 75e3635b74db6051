//! Configuration: one typed struct, read from the environment (and `.env`)
//! or flags, validated at start-up with messages naming the variable.

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything `zonmart serve` needs. Each flag also reads its `ZONMART_*`
/// variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: `sqlite://zonmart.db` (embedded), `sqlite::memory:` (throwaway) or `postgres://...`.
    #[arg(long, env = "ZONMART_DATABASE_URL", default_value = "sqlite://zonmart.db")]
    pub database_url: String,

    /// Comma-separated read replica URLs (PostgreSQL). Only public catalog reads use them.
    #[arg(long, env = "ZONMART_DATABASE_REPLICA_URLS", value_delimiter = ',')]
    pub database_replica_urls: Vec<String>,

    /// Most a read replica may lag behind the primary, in milliseconds, and still serve reads.
    #[arg(long, env = "ZONMART_REPLICA_MAX_LAG_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub replica_max_lag_ms: u64,

    /// Most connections the server opens to the database (and to each replica). Default: PostgreSQL 16, SQLite file 4.
    #[arg(long, env = "ZONMART_DATABASE_MAX_CONNECTIONS", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub database_max_connections: Option<u16>,

    /// Address to listen on.
    #[arg(long, env = "ZONMART_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,

    /// HTTP worker threads (each runs its own event loop). Default: one per CPU core.
    #[arg(long, env = "ZONMART_WORKERS", value_parser = clap::value_parser!(u16).range(1..=512))]
    pub workers: Option<u16>,

    /// HS256 key for access tokens, at least 32 bytes. Unset: a random key per start (tokens die on restart).
    #[arg(long, env = "ZONMART_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// bcrypt cost (4..=31).
    #[arg(long, env = "ZONMART_BCRYPT_COST", default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,

    /// Username of the first admin, created at start-up if no such user exists.
    #[arg(long, env = "ZONMART_ADMIN_USERNAME")]
    pub admin_username: Option<String>,

    /// Password of the first admin.
    #[arg(long, env = "ZONMART_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Comma-separated origins allowed to call the API from a browser (CORS).
    #[arg(long, env = "ZONMART_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Requests a minute per client IP on the auth endpoints (0 = no limit).
    #[arg(long, env = "ZONMART_RATE_LIMIT_AUTH_PER_MINUTE", default_value_t = 10)]
    pub rate_limit_auth_per_minute: u32,

    /// Requests a minute per user (or IP without a token) elsewhere (0 = no limit).
    #[arg(long, env = "ZONMART_RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub rate_limit_per_minute: u32,

    /// Redis for rate-limit counters shared by every instance (`redis://host:6379/0`). Unset: counted per process.
    #[arg(long, env = "ZONMART_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Comma-separated proxy IPs whose `X-Forwarded-For` names the client (default none: the header is ignored).
    #[arg(long, env = "ZONMART_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `zonmart=debug,info`.
    #[arg(long, env = "ZONMART_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "ZONMART_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// First wait before a failed webhook delivery is tried again, in ms (doubling, at most 1 h).
    #[arg(long, env = "ZONMART_WEBHOOK_BACKOFF_MS", default_value_t = 1000)]
    pub webhook_backoff_ms: u64,

    /// Allow webhook targets on loopback, private and link-local addresses.
    #[arg(long, env = "ZONMART_WEBHOOK_ALLOW_PRIVATE_TARGETS", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private_targets: bool,

    /// Secret of the payment provider's webhook signatures (Stripe's `whsec_…`). Unset: the payments webhook answers 503.
    #[arg(long, env = "ZONMART_PAYMENT_WEBHOOK_SECRET", hide_env_values = true)]
    pub payment_webhook_secret: Option<String>,

    /// Seconds a `pending` order may stay unpaid before the server cancels it (0 = never).
    #[arg(long, env = "ZONMART_ORDER_PAYMENT_TIMEOUT_S", default_value_t = 0)]
    pub order_payment_timeout_s: u64,

    /// Where the rate-limit counters' keys live in Redis (tests use their own).
    #[arg(skip = String::from("zonmart:rate:"))]
    pub redis_key_prefix: String,

    /// How long a receiver has to answer, in ms (API.md: 10 s; tests shorten it).
    #[arg(skip = 10_000_u64)]
    pub webhook_timeout_ms: u64,
}

/// A setting that cannot work, named by its variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn config_error(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

impl Settings {
    /// The settings with empty values read as unset (an orchestrator passes
    /// `ZONMART_ADMIN_USERNAME=` for a variable nobody set), checked.
    pub fn validated(mut self) -> Result<Settings, ConfigError> {
        for value in [
            &mut self.jwt_secret,
            &mut self.admin_username,
            &mut self.admin_password,
            &mut self.payment_webhook_secret,
            &mut self.redis_url,
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        for list in [&mut self.cors_origins, &mut self.database_replica_urls, &mut self.trusted_proxies] {
            list.retain(|item| !item.trim().is_empty());
        }
        self.validate()?;
        Ok(self)
    }

    /// Checks what clap cannot: cross-field rules and formats.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.bind.parse::<SocketAddr>().is_err() {
            return Err(config_error(
                "ZONMART_BIND",
                format!("`{}` is not an address such as 127.0.0.1:8000", self.bind),
            ));
        }
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < 32 {
                return Err(config_error(
                    "ZONMART_JWT_SECRET",
                    "must be at least 32 bytes (e.g. `openssl rand -hex 32`)",
                ));
            }
        }
        if self.admin_username.is_some() != self.admin_password.is_some() {
            return Err(config_error(
                "ZONMART_ADMIN_USERNAME",
                "set both ZONMART_ADMIN_USERNAME and ZONMART_ADMIN_PASSWORD, or neither",
            ));
        }
        if !self.database_replica_urls.is_empty() && !self.database_url.starts_with("postgres") {
            return Err(config_error(
                "ZONMART_DATABASE_REPLICA_URLS",
                "read replicas need a PostgreSQL ZONMART_DATABASE_URL",
            ));
        }
        for url in &self.database_replica_urls {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(config_error("ZONMART_DATABASE_REPLICA_URLS", "each replica URL must be postgres://..."));
            }
        }
        for proxy in &self.trusted_proxies {
            if proxy.trim().parse::<std::net::IpAddr>().is_err() {
                return Err(config_error("ZONMART_TRUSTED_PROXIES", format!("`{proxy}` is not an IP address")));
            }
        }
        if let Some(url) = &self.redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://")) {
                return Err(config_error("ZONMART_REDIS_URL", "must be redis://..., rediss://... or unix://..."));
            }
        }
        for origin in &self.cors_origins {
            let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.trim_end_matches('/').split_once("://").is_some_and(|(_, rest)| rest.contains('/'));
            if !ok {
                return Err(config_error(
                    "ZONMART_CORS_ORIGINS",
                    format!("`{origin}` is not an origin such as https://shop.example"),
                ));
            }
        }
        if self.order_payment_timeout_s > 10 * 365 * 24 * 3600 {
            return Err(config_error("ZONMART_ORDER_PAYMENT_TIMEOUT_S", "must be at most ten years, in seconds"));
        }
        Ok(())
    }

    /// The trusted proxies' addresses (checked by `validate`).
    pub fn trusted_proxy_ips(&self) -> Vec<std::net::IpAddr> {
        self.trusted_proxies.iter().filter_map(|proxy| proxy.trim().parse().ok()).collect()
    }

    /// Settings for tests and benchmarks: in-memory SQLite, port 0, cheap
    /// bcrypt, no rate limits, a fixed secret.
    pub fn for_tests() -> Self {
        Settings {
            database_url: "sqlite::memory:".into(),
            database_replica_urls: Vec::new(),
            replica_max_lag_ms: 1000,
            database_max_connections: None,
            bind: "127.0.0.1:0".into(),
            workers: None,
            jwt_secret: Some("test-secret-test-secret-test-secret!".into()),
            bcrypt_cost: 4,
            admin_username: None,
            admin_password: None,
            cors_origins: Vec::new(),
            rate_limit_auth_per_minute: 0,
            rate_limit_per_minute: 0,
            redis_url: None,
            redis_key_prefix: format!("zonmart-test:{}:", ulid::Ulid::generate()),
            trusted_proxies: Vec::new(),
            log: "warn".into(),
            log_format: LogFormat::Pretty,
            webhook_backoff_ms: 1000,
            webhook_allow_private_targets: false,
            webhook_timeout_ms: 10_000,
            payment_webhook_secret: None,
            order_payment_timeout_s: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_jwt_secret_is_refused_naming_the_variable() {
        let settings = Settings { jwt_secret: Some("short".into()), ..Settings::for_tests() };
        assert_eq!(settings.validate().unwrap_err().variable, "ZONMART_JWT_SECRET");
    }

    #[test]
    fn an_unparsable_bind_address_is_refused() {
        let settings = Settings { bind: "localhost".into(), ..Settings::for_tests() };
        assert_eq!(settings.validate().unwrap_err().variable, "ZONMART_BIND");
    }

    #[test]
    fn cors_origins_must_be_origins() {
        let ok = Settings {
            cors_origins: vec!["https://shop.example".into(), "http://localhost:3000".into()],
            ..Settings::for_tests()
        };
        assert!(ok.validate().is_ok());
        let bad = Settings { cors_origins: vec!["shop.example/path".into()], ..Settings::for_tests() };
        assert_eq!(bad.validate().unwrap_err().variable, "ZONMART_CORS_ORIGINS");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let settings = Settings {
            admin_username: Some(String::new()),
            admin_password: Some(" ".into()),
            jwt_secret: Some(String::new()),
            cors_origins: vec![String::new()],
            ..Settings::for_tests()
        }
        .validated()
        .unwrap();
        assert_eq!((settings.admin_username, settings.admin_password, settings.jwt_secret), (None, None, None));
        assert!(settings.cors_origins.is_empty());
    }

    #[test]
    fn replicas_need_postgres_urls() {
        let sqlite = Settings { database_replica_urls: vec!["postgres://h/db".into()], ..Settings::for_tests() };
        assert_eq!(sqlite.validate().unwrap_err().variable, "ZONMART_DATABASE_REPLICA_URLS");
        let bad = Settings {
            database_url: "postgres://h1,h2/db?target_session_attrs=read-write".into(),
            database_replica_urls: vec!["mysql://h/db".into()],
            ..Settings::for_tests()
        };
        assert_eq!(bad.validate().unwrap_err().variable, "ZONMART_DATABASE_REPLICA_URLS");
    }

    #[test]
    fn an_admin_needs_both_name_and_password() {
        let half = Settings { admin_username: Some("root".into()), ..Settings::for_tests() };
        assert!(half.validate().is_err());
    }
}
