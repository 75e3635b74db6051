//! Webhooks' ports: where subscriptions and deliveries are kept, how a
//! target is checked, and how a delivery is sent.

use async_trait::async_trait;
use chrono::Duration;
use zonmart_domain::{
    Delivery, DeliveryStatus, Event, Page, PageRequest, Timestamp, TryOutcome, Version, Webhook, WebhookId, WebhookUrl,
};

use crate::RepoError;

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores the subscription and its signing `secret`.
    async fn insert(&self, webhook: &Webhook, secret: &str) -> Result<(), RepoError>;
    async fn find(&self, id: WebhookId) -> Result<Option<Webhook>, RepoError>;
    /// Newest first.
    async fn list(&self, page: PageRequest) -> Result<Page<Webhook>, RepoError>;
    /// Writes `webhook` (at its new version) only while the stored one is at `expected`.
    async fn update(&self, webhook: &Webhook, expected: Version) -> Result<(), RepoError>;
    /// Deletes it (and its deliveries) only while it is at `expected`.
    async fn delete(&self, id: WebhookId, expected: Version) -> Result<(), RepoError>;
}

/// A delivery due now, leased to the caller, with what sending it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub delivery: Delivery,
    pub url: WebhookUrl,
    pub secret: String,
    pub event: Event,
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Turns events past the shared fan-out position into pending deliveries
    /// for every subscription that wants them (`Webhook::wants`), and moves
    /// the position, in one transaction; one process at a time (others
    /// return 0 at once). Returns how many events it passed.
    async fn fan_out(&self, now: Timestamp, limit: u32) -> Result<u64, RepoError>;

    /// Up to `limit` pending deliveries due at `now` of enabled
    /// subscriptions, each leased to the caller until `now + lease`: no
    /// other caller gets it before that, so it is never sent twice at once.
    async fn claim_due(&self, now: Timestamp, lease: Duration, limit: u32) -> Result<Vec<DueDelivery>, RepoError>;

    /// Stores a leased delivery after its try, and releases the lease.
    async fn record(&self, delivery: &Delivery) -> Result<(), RepoError>;

    /// A subscription's deliveries, newest first.
    async fn list(
        &self,
        webhook_id: WebhookId,
        status: Option<DeliveryStatus>,
        page: PageRequest,
    ) -> Result<Page<Delivery>, RepoError>;

    /// Makes the delivery pending and due at `now` (a manual retry);
    /// `NotFound` unless it is one of the subscription's.
    async fn retry(&self, webhook_id: WebhookId, delivery_id: ulid::Ulid, now: Timestamp) -> Result<(), RepoError>;

    /// Deletes finished deliveries last changed before `before`; returns how many.
    async fn purge_finished(&self, before: Timestamp) -> Result<u64, RepoError>;

    /// Deliveries by status, and events not yet fanned out (for metrics).
    async fn counts(&self) -> Result<DeliveryCounts, RepoError>;
}

/// For `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub pending: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Events the fan-out has not passed yet.
    pub backlog: u64,
}

/// Whether a receiver may be called (the SSRF guard).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait TargetGuard: Send + Sync {
    /// `Err(reason)` when the URL's host is, or resolves to, an address
    /// deliveries may not go to.
    async fn check(&self, url: &WebhookUrl) -> Result<(), String>;
}

/// Sends one signed delivery.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn send(&self, url: &WebhookUrl, secret: &str, event: &Event, now: Timestamp) -> TryOutcome;
}
