//! Sending deliveries: `POST` of the event JSON, signed
//! `Zonmart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
//! over a pooled rustls client with a timeout, no redirects, and a global
//! cap on deliveries in flight. The SSRF guard resolves names itself and the
//! client connects only to the addresses it checked (its own resolver), so
//! a name cannot resolve to a public address for the check and a private
//! one for the connection.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hmac::Mac;
use tokio::sync::Semaphore;
use zonmart_domain::webhook::is_public_address;
use zonmart_domain::{Event, Timestamp, TryOutcome, WebhookUrl};
use zonmart_ports::{TargetGuard, WebhookSender};

use crate::digest::{hex, hmac_sha256};

/// How the sender behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderOptions {
    /// An answer must come within this (API.md: 10 s).
    pub timeout: Duration,
    /// Loopback, private and link-local targets allowed (tests, intranets).
    pub allow_private: bool,
    /// Most deliveries in flight at once, over all receivers.
    pub max_in_flight: usize,
}

impl Default for SenderOptions {
    fn default() -> Self {
        SenderOptions { timeout: Duration::from_secs(10), allow_private: false, max_in_flight: 64 }
    }
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by secret>`.
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix_seconds},v1={}", hex(&mac.finalize().into_bytes()))
}

/// The event as a delivery's body.
pub fn event_json(event: &Event) -> String {
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": event.id.to_string(),
        "type": event.kind.as_str(),
        "created_at": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "resource": {
            "type": event.resource.kind.as_str(),
            "id": event.resource.id.to_string(),
            "version": event.resource.version.get(),
        },
        "data": data,
    })
    .to_string()
}

/// The guard: refuses hosts that are, or resolve to, non-public addresses.
#[derive(Debug, Clone, Copy)]
pub struct ResolvingTargetGuard {
    pub allow_private: bool,
}

async fn public_addresses(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((host, port)).await.map_err(|e| format!("cannot resolve {host}: {e}"))?.collect();
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    if let Some(bad) = addrs.iter().find(|a| !is_public_address(a.ip())) {
        return Err(format!("{host} resolves to {} (loopback, private or link-local): not allowed", bad.ip()));
    }
    Ok(addrs)
}

#[async_trait]
impl TargetGuard for ResolvingTargetGuard {
    async fn check(&self, url: &WebhookUrl) -> Result<(), String> {
        if self.allow_private {
            return Ok(());
        }
        let parsed = reqwest::Url::parse(url.as_str()).map_err(|e| format!("not a URL: {e}"))?;
        let host = parsed.host_str().ok_or("the URL has no host")?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return if is_public_address(ip) {
                Ok(())
            } else {
                Err(format!("{ip} is a loopback, private or link-local address: not allowed"))
            };
        }
        public_addresses(bare, parsed.port_or_known_default().unwrap_or(443)).await.map(|_| ())
    }
}

/// Resolves for the client, giving it only checked addresses.
struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let addrs = public_addresses(name.as_str(), 0).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends deliveries over HTTP(S).
#[derive(Clone)]
pub struct HttpWebhookSender {
    client: reqwest::Client,
    in_flight: Arc<Semaphore>,
}

impl HttpWebhookSender {
    pub fn new(options: SenderOptions) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(8)
            .user_agent("Zonmart-Webhooks/1");
        if !options.allow_private {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        let client = builder.build().map_err(|e| format!("cannot build the webhook client: {e}"))?;
        Ok(Self { client, in_flight: Arc::new(Semaphore::new(options.max_in_flight.max(1))) })
    }
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn send(&self, url: &WebhookUrl, secret: &str, event: &Event, now: Timestamp) -> TryOutcome {
        let Ok(_permit) = self.in_flight.acquire().await else {
            return TryOutcome::NoAnswer { error: "the sender is shutting down".into() };
        };
        let body = event_json(event);
        let request = self
            .client
            .post(url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Zonmart-Event-Id", event.id.to_string())
            .header("Zonmart-Event-Type", event.kind.as_str())
            .header("Zonmart-Signature", signature(secret, now.timestamp(), body.as_bytes()))
            .body(body);
        match request.send().await {
            Ok(response) => {
                let status_code = i32::from(response.status().as_u16());
                if response.status().is_success() {
                    TryOutcome::Accepted { status_code }
                } else {
                    TryOutcome::Refused { status_code }
                }
            }
            Err(e) if e.is_timeout() => TryOutcome::NoAnswer { error: "no answer within the timeout".into() },
            Err(e) => TryOutcome::NoAnswer { error: format!("{e}") },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_t_dot_body() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_x",b"1700000000.{}",hashlib.sha256).hexdigest())'
        assert_eq!(
            signature("whsec_x", 1_700_000_000, b"{}"),
            "t=1700000000,v1=be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661"
        );
    }
}
