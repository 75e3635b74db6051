//! Idempotent requests: the first answer to a (user, key) is stored and
//! replayed for 24 hours to the same request; another request with the same
//! key, or one while the first is still running, is refused (409).

use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::{Actor, IdempotencyKey};
use zonmart_ports::{Claim, Clock, IdempotencyStore, StoredResponse};

use crate::error::KeyConflict;
use crate::AppError;

#[cfg(test)]
mod tests;

/// How long a key and its answer are kept.
pub const KEY_TTL: Duration = Duration::hours(24);
/// An unfinished claim older than this belongs to a request that died.
pub const ABANDONED_AFTER: Duration = Duration::seconds(60);

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Carry it out, then `complete` (2xx) or `release` (anything else).
    Proceed,
    /// Answer this instead: it is the first answer to the same request.
    Replay(StoredResponse),
}

#[derive(Clone)]
pub struct IdempotencyService {
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
}

impl IdempotencyService {
    pub fn new(store: Arc<dyn IdempotencyStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub async fn begin(&self, actor: &Actor, key: &IdempotencyKey, request_hash: &str) -> Result<Begin, AppError> {
        let now = self.clock.now();
        let claim =
            self.store.claim(actor.user_id, key, request_hash, now, now - KEY_TTL, now - ABANDONED_AFTER).await?;
        match claim {
            Claim::Claimed => Ok(Begin::Proceed),
            Claim::Replay(response) => Ok(Begin::Replay(response)),
            Claim::InFlight => Err(AppError::IdempotencyConflict(KeyConflict::InFlight)),
            Claim::Mismatch => Err(AppError::IdempotencyConflict(KeyConflict::Mismatch)),
        }
    }

    /// Stores a successful answer for replays.
    pub async fn complete(
        &self,
        actor: &Actor,
        key: &IdempotencyKey,
        response: &StoredResponse,
    ) -> Result<(), AppError> {
        Ok(self.store.complete(actor.user_id, key, response).await?)
    }

    /// Frees the key after a failed attempt, so the client can retry it.
    pub async fn release(&self, actor: &Actor, key: &IdempotencyKey) -> Result<(), AppError> {
        Ok(self.store.release(actor.user_id, key).await?)
    }

    pub async fn purge_expired(&self) -> Result<u64, AppError> {
        Ok(self.store.purge_expired(self.clock.now() - KEY_TTL).await?)
    }
}
