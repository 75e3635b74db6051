//! Webhook subscriptions and their deliveries: which targets are allowed,
//! and how a failed delivery is retried (exponential backoff, 24 h).

use std::net::IpAddr;

use chrono::Duration;
use thiserror::Error;

use crate::event::{EventFilter, EventType};
use crate::ids::{EventId, WebhookId};
use crate::text::{TextError, TextRule};
use crate::version::Version;
use crate::Timestamp;

/// What every subscription secret starts with.
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// How long a delivery is retried before it is `failed`.
pub const RETRY_FOR: Duration = Duration::hours(24);

/// The longest wait between two tries.
pub const MAX_BACKOFF: Duration = Duration::hours(1);

/// A receiver's URL: `http://` or `https://` with a host, at most 2000
/// characters, no spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be an http:// or https:// URL with a host, at most 2000 characters")]
pub struct InvalidWebhookUrl;

impl WebhookUrl {
    pub fn parse(s: &str) -> Result<Self, InvalidWebhookUrl> {
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or(InvalidWebhookUrl)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let ok = s.len() <= 2000
            && !authority.is_empty()
            && !authority.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidWebhookUrl)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a delivery may connect to `ip` when private targets are not
/// allowed: never loopback, private, link-local, unspecified (nor
/// multicast, broadcast or IPv6 unique-local, which are no public receiver).
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT: private in practice.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80) // link-local fe80::/10
        }
    }
}

/// A subscription's free-text description: up to 500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDescription(String);

impl WebhookDescription {
    pub const RULE: TextRule = TextRule::line(1, 500);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A subscription (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: WebhookUrl,
    pub events: EventFilter,
    pub description: Option<WebhookDescription>,
    pub enabled: bool,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: EventFilter,
    pub description: Option<WebhookDescription>,
}

impl NewWebhook {
    pub fn into_webhook(self, id: WebhookId, now: Timestamp) -> Webhook {
        Webhook {
            id,
            url: self.url,
            events: self.events,
            description: self.description,
            enabled: true,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A PATCH: absent fields stay; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookChanges {
    pub url: Option<WebhookUrl>,
    pub events: Option<EventFilter>,
    pub description: Option<Option<WebhookDescription>>,
    pub enabled: Option<bool>,
}

impl Webhook {
    pub fn apply(mut self, changes: WebhookChanges, now: Timestamp) -> Webhook {
        if let Some(url) = changes.url {
            self.url = url;
        }
        if let Some(events) = changes.events {
            self.events = events;
        }
        if let Some(description) = changes.description {
            self.description = description;
        }
        if let Some(enabled) = changes.enabled {
            self.enabled = enabled;
        }
        self.version = self.version.next();
        self.updated_at = now;
        self
    }

    /// Whether an event of `kind` written at `at` goes to this subscription:
    /// it must be enabled, want the type, and have existed at the time.
    pub fn wants(&self, kind: EventType, at: Timestamp) -> bool {
        self.enabled && self.events.wants(kind) && at >= self.created_at
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be one of: pending, succeeded, failed")]
pub struct InvalidDeliveryStatus;

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Succeeded, DeliveryStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl std::str::FromStr for DeliveryStatus {
    type Err = InvalidDeliveryStatus;
    fn from_str(s: &str) -> Result<Self, InvalidDeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|d| d.as_str() == s).ok_or(InvalidDeliveryStatus)
    }
}

/// One event to one subscription, and its tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: ulid::Ulid,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    /// When the next try is due (`None` once finished).
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What one try of a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryOutcome {
    /// A 2xx answer within the timeout.
    Accepted { status_code: i32 },
    /// Another answer.
    Refused { status_code: i32 },
    /// No answer: refused connection, timeout, a target not allowed...
    NoAnswer { error: String },
}

/// The backoff: `base`, doubling per try, at most [`MAX_BACKOFF`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
}

impl RetryPolicy {
    /// The wait after the `attempts`-th try failed (from 1).
    pub fn backoff(self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(30);
        let wait = self.base.checked_mul(1 << doublings).unwrap_or(MAX_BACKOFF);
        wait.min(MAX_BACKOFF)
    }
}

impl Delivery {
    /// The delivery after a try at `now` that ended in `outcome`: succeeded,
    /// pending again after the backoff, or failed once retried for 24 h.
    pub fn after_try(mut self, outcome: TryOutcome, now: Timestamp, policy: RetryPolicy) -> Delivery {
        self.attempts += 1;
        self.updated_at = now;
        let (code, error) = match outcome {
            TryOutcome::Accepted { status_code } => {
                self.status = DeliveryStatus::Succeeded;
                self.last_status_code = Some(status_code);
                self.last_error = None;
                self.next_attempt_at = None;
                return self;
            }
            TryOutcome::Refused { status_code } => (Some(status_code), format!("answered {status_code}")),
            TryOutcome::NoAnswer { error } => (None, error),
        };
        self.last_status_code = code;
        self.last_error = Some(error);
        let next = now + policy.backoff(self.attempts);
        if next - self.created_at > RETRY_FOR {
            self.status = DeliveryStatus::Failed;
            self.next_attempt_at = None;
        } else {
            self.status = DeliveryStatus::Pending;
            self.next_attempt_at = Some(next);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn only_http_urls_with_a_host_are_receivers() {
        assert!(WebhookUrl::parse("https://erp.example.com/hooks?x=1").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/").is_ok());
        for bad in ["ftp://x", "https://", "https:///path", "https://user:pw@host/", "https://a b", "example.com"] {
            assert_eq!(WebhookUrl::parse(bad), Err(InvalidWebhookUrl), "{bad}");
        }
    }

    #[test]
    fn private_targets_are_not_public() {
        for ip in [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
            IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(172, 16, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            "fe80::1".parse().unwrap(),
            "fd00::1".parse().unwrap(),
            "::ffff:127.0.0.1".parse().unwrap(),
        ] {
            assert!(!is_public_address(ip), "{ip}");
        }
        assert!(is_public_address(IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34))));
        assert!(is_public_address("2606:4700::1111".parse().unwrap()));
    }

    #[test]
    fn the_backoff_doubles_up_to_an_hour() {
        let policy = RetryPolicy { base: Duration::seconds(1) };
        assert_eq!(policy.backoff(1), Duration::seconds(1));
        assert_eq!(policy.backoff(2), Duration::seconds(2));
        assert_eq!(policy.backoff(5), Duration::seconds(16));
        assert_eq!(policy.backoff(40), MAX_BACKOFF);
    }

    fn delivery(created: Timestamp) -> Delivery {
        Delivery {
            id: ulid::Ulid::from_parts(1, 1),
            webhook_id: WebhookId::from_ulid(ulid::Ulid::from_parts(2, 2)),
            event_id: EventId::from_ulid(ulid::Ulid::from_parts(3, 3)),
            event_type: EventType::OrderPlaced,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status_code: None,
            last_error: None,
            next_attempt_at: Some(created),
            created_at: created,
            updated_at: created,
        }
    }

    #[test]
    fn a_failed_try_is_retried_after_the_backoff_then_failed_after_a_day() {
        let t0 = Utc.timestamp_opt(1_000_000, 0).unwrap();
        let policy = RetryPolicy { base: Duration::seconds(1) };
        let once = delivery(t0).after_try(TryOutcome::Refused { status_code: 500 }, t0, policy);
        assert_eq!(once.status, DeliveryStatus::Pending);
        assert_eq!(once.next_attempt_at, Some(t0 + Duration::seconds(1)));
        assert_eq!((once.attempts, once.last_status_code), (1, Some(500)));
        let late = t0 + Duration::hours(24);
        let failed = once.after_try(TryOutcome::NoAnswer { error: "timed out".into() }, late, policy);
        assert_eq!((failed.status, failed.next_attempt_at), (DeliveryStatus::Failed, None));
        assert_eq!(failed.last_error.as_deref(), Some("timed out"));
    }

    #[test]
    fn an_accepted_try_finishes_the_delivery() {
        let t0 = Utc.timestamp_opt(0, 0).unwrap();
        let done = delivery(t0).after_try(
            TryOutcome::Accepted { status_code: 204 },
            t0,
            RetryPolicy { base: Duration::seconds(1) },
        );
        assert_eq!((done.status, done.next_attempt_at, done.attempts), (DeliveryStatus::Succeeded, None, 1));
    }

    #[test]
    fn a_subscription_gets_only_what_it_wants_from_when_it_existed() {
        let t0 = Utc.timestamp_opt(100, 0).unwrap();
        let hook = NewWebhook {
            url: WebhookUrl::parse("https://x.example/").unwrap(),
            events: EventFilter::Only(vec![EventType::OrderPaid]),
            description: None,
        }
        .into_webhook(WebhookId::from_ulid(ulid::Ulid::from_parts(1, 1)), t0);
        assert!(hook.wants(EventType::OrderPaid, t0));
        assert!(!hook.wants(EventType::OrderPaid, t0 - Duration::seconds(1)));
        assert!(!hook.wants(EventType::OrderPlaced, t0));
        let disabled = hook.apply(WebhookChanges { enabled: Some(false), ..Default::default() }, t0);
        assert!(!disabled.wants(EventType::OrderPaid, t0));
    }
}
