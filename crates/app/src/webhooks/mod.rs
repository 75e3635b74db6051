//! Webhooks: subscriptions (admins, or services with `webhooks:manage`),
//! their deliveries log, and the dispatcher that sends due deliveries.

use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::webhook::WEBHOOK_SECRET_PREFIX;
use zonmart_domain::{
    Actor, Delivery, DeliveryStatus, NewWebhook, Page, PageRequest, RetryPolicy, Scope, Version, Webhook,
    WebhookChanges, WebhookId, WebhookUrl,
};
use zonmart_ports::{
    Clock, DeliveryCounts, DeliveryStore, IdGenerator, SecretGenerator, TargetGuard, WebhookRepository, WebhookSender,
};

use crate::AppError;

#[cfg(test)]
mod tests;

/// How long finished deliveries are kept in the log.
pub const DELIVERY_RETENTION: Duration = Duration::days(7);

/// A subscription just created, with its signing secret shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Clone)]
pub struct WebhookService {
    webhooks: Arc<dyn WebhookRepository>,
    deliveries: Arc<dyn DeliveryStore>,
    guard: Arc<dyn TargetGuard>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

fn require_manager(actor: &Actor) -> Result<(), AppError> {
    actor.require(Scope::WebhooksManage)?;
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only an admin may manage webhooks".into()))
    }
}

/// The ports webhooks need.
#[derive(Clone)]
pub struct WebhookPorts {
    pub webhooks: Arc<dyn WebhookRepository>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub guard: Arc<dyn TargetGuard>,
    pub secrets: Arc<dyn SecretGenerator>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
}

impl WebhookService {
    pub fn new(ports: WebhookPorts) -> Self {
        let WebhookPorts { webhooks, deliveries, guard, secrets, clock, ids } = ports;
        Self { webhooks, deliveries, guard, secrets, clock, ids }
    }

    async fn check_target(&self, url: &WebhookUrl) -> Result<(), AppError> {
        self.guard.check(url).await.map_err(|reason| AppError::validation("url", &reason))
    }

    pub async fn create(&self, actor: &Actor, new_webhook: NewWebhook) -> Result<CreatedWebhook, AppError> {
        require_manager(actor)?;
        self.check_target(&new_webhook.url).await?;
        let secret = format!("{WEBHOOK_SECRET_PREFIX}{}", self.secrets.secret());
        let webhook = new_webhook.into_webhook(WebhookId::from_ulid(self.ids.generate()), self.clock.now());
        self.webhooks.insert(&webhook, &secret).await?;
        tracing::info!(webhook_id = %webhook.id, by = %actor.user_id, "webhook created");
        Ok(CreatedWebhook { webhook, secret })
    }

    pub async fn get(&self, actor: &Actor, id: WebhookId) -> Result<Webhook, AppError> {
        require_manager(actor)?;
        self.webhooks.find(id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list(&self, actor: &Actor, page: PageRequest) -> Result<Page<Webhook>, AppError> {
        require_manager(actor)?;
        Ok(self.webhooks.list(page).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: WebhookId,
        expected: Version,
        changes: WebhookChanges,
    ) -> Result<Webhook, AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        if let Some(url) = &changes.url {
            self.check_target(url).await?;
        }
        let updated = current.apply(changes, self.clock.now());
        self.webhooks.update(&updated, expected).await?;
        Ok(updated)
    }

    pub async fn delete(&self, actor: &Actor, id: WebhookId, expected: Version) -> Result<(), AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        self.webhooks.delete(id, expected).await?;
        Ok(())
    }

    pub async fn deliveries(
        &self,
        actor: &Actor,
        id: WebhookId,
        status: Option<DeliveryStatus>,
        page: PageRequest,
    ) -> Result<Page<Delivery>, AppError> {
        self.get(actor, id).await?;
        Ok(self.deliveries.list(id, status, page).await?)
    }

    /// Sends the delivery again soon (whatever its status).
    pub async fn retry(&self, actor: &Actor, id: WebhookId, delivery_id: ulid::Ulid) -> Result<(), AppError> {
        self.get(actor, id).await?;
        Ok(self.deliveries.retry(id, delivery_id, self.clock.now()).await?)
    }

    /// Deliveries by status and the events not fanned out yet (for metrics;
    /// no actor: the HTTP layer shows them only on `/metrics`).
    pub async fn counts(&self) -> Result<DeliveryCounts, AppError> {
        Ok(self.deliveries.counts().await?)
    }

    /// Deletes finished deliveries older than [`DELIVERY_RETENTION`].
    pub async fn purge_finished(&self) -> Result<u64, AppError> {
        Ok(self.deliveries.purge_finished(self.clock.now() - DELIVERY_RETENTION).await?)
    }
}

/// How the dispatcher works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispatchSettings {
    pub policy: RetryPolicy,
    /// How long a claimed delivery is the claimer's alone; longer than a
    /// send can take (the sender's timeout), so it never runs out mid-send.
    pub lease: Duration,
    /// Deliveries claimed per round.
    pub batch: u32,
}

/// Sends due deliveries: fans events out to subscriptions, claims due
/// deliveries (leased, so several processes share the work and none is sent
/// twice at once), sends them and records each outcome.
#[derive(Clone)]
pub struct WebhookDispatcher {
    deliveries: Arc<dyn DeliveryStore>,
    sender: Arc<dyn WebhookSender>,
    guard: Arc<dyn TargetGuard>,
    clock: Arc<dyn Clock>,
    settings: DispatchSettings,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub fanned_out: u64,
    pub sent: usize,
    pub succeeded: usize,
    /// For each delivery accepted this round: from its event's commit to
    /// the receiver's 2xx (what a subscriber waits), in milliseconds.
    pub accepted_after_ms: Vec<i64>,
}

impl WebhookDispatcher {
    pub fn new(
        deliveries: Arc<dyn DeliveryStore>,
        sender: Arc<dyn WebhookSender>,
        guard: Arc<dyn TargetGuard>,
        clock: Arc<dyn Clock>,
        settings: DispatchSettings,
    ) -> Self {
        Self { deliveries, sender, guard, clock, settings }
    }

    /// One round: fan out, then send what is due, concurrently.
    pub async fn round(&self) -> Result<Round, AppError> {
        let now = self.clock.now();
        let fanned_out = self.deliveries.fan_out(now, 500).await?;
        let due = self.deliveries.claim_due(now, self.settings.lease, self.settings.batch).await?;
        let sends = due.into_iter().map(|due| async move {
            // The guard again at delivery time: DNS may have changed since.
            let outcome = match self.guard.check(&due.url).await {
                Ok(()) => self.sender.send(&due.url, &due.secret, &due.event, self.clock.now()).await,
                Err(reason) => zonmart_domain::TryOutcome::NoAnswer { error: reason },
            };
            let succeeded = matches!(outcome, zonmart_domain::TryOutcome::Accepted { .. })
                .then(|| (self.clock.now() - due.event.created_at).num_milliseconds());
            let after = due.delivery.after_try(outcome, self.clock.now(), self.settings.policy);
            if let Err(e) = self.deliveries.record(&after).await {
                tracing::warn!(delivery_id = %after.id, error = %e, "recording a delivery failed");
            }
            succeeded
        });
        let results = futures_join_all(sends).await;
        let accepted_after_ms: Vec<i64> = results.iter().flatten().copied().collect();
        Ok(Round { fanned_out, sent: results.len(), succeeded: accepted_after_ms.len(), accepted_after_ms })
    }
}

/// Runs futures concurrently on the current task (no spawning: the sender
/// caps deliveries in flight globally).
async fn futures_join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
