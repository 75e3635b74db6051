//! Service API keys: admins create, list, read and revoke them; a request
//! carrying one acts as a service within the key's scopes.

use std::sync::Arc;

use zonmart_domain::api_key::API_KEY_PREFIX;
use zonmart_domain::{Actor, ApiKey, ApiKeyId, NewApiKey, Page, PageRequest, Version};
use zonmart_ports::{ApiKeyRepository, Clock, IdGenerator, SecretGenerator};

use crate::access::require_admin_user;
use crate::AppError;

#[cfg(test)]
mod tests;

/// A key just created, with the secret shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

#[derive(Clone)]
pub struct ApiKeyService {
    keys: Arc<dyn ApiKeyRepository>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl ApiKeyService {
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        secrets: Arc<dyn SecretGenerator>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { keys, secrets, clock, ids }
    }

    pub async fn create(&self, actor: &Actor, new_key: NewApiKey) -> Result<IssuedApiKey, AppError> {
        require_admin_user(actor, "manage API keys")?;
        let secret = format!("{API_KEY_PREFIX}{}", self.secrets.secret());
        let key = new_key.into_key(ApiKeyId::from_ulid(self.ids.generate()), &secret, self.clock.now());
        self.keys.insert(&key, &secret).await?;
        tracing::info!(api_key_id = %key.id, by = %actor.user_id, "API key created");
        Ok(IssuedApiKey { key, secret })
    }

    pub async fn get(&self, actor: &Actor, id: ApiKeyId) -> Result<ApiKey, AppError> {
        require_admin_user(actor, "manage API keys")?;
        self.keys.find(id).await?.ok_or(AppError::NotFound)
    }

    /// Revoked keys too, newest first.
    pub async fn list(&self, actor: &Actor, page: PageRequest) -> Result<Page<ApiKey>, AppError> {
        require_admin_user(actor, "manage API keys")?;
        Ok(self.keys.list(page).await?)
    }

    /// Revokes the key: from now on it answers 401.
    pub async fn revoke(&self, actor: &Actor, id: ApiKeyId, expected: Version) -> Result<(), AppError> {
        let current = self.get(actor, id).await?;
        Version::check(expected, current.version)?;
        if current.revoked {
            return Ok(());
        }
        self.keys.update(&current.revoke(self.clock.now()), expected).await?;
        tracing::info!(api_key_id = %id, by = %actor.user_id, "API key revoked");
        Ok(())
    }

    /// The service behind a bearer `zk_…` key: `Unauthorized` for an unknown
    /// or revoked one. Records the use at most once a minute per key.
    pub async fn authenticate(&self, secret: &str) -> Result<Actor, AppError> {
        let key = self.keys.find_by_secret(secret).await?.ok_or(AppError::Unauthorized)?;
        let actor = key.actor().ok_or(AppError::Unauthorized)?;
        let now = self.clock.now();
        if key.use_worth_recording(now) {
            // Bookkeeping: a failure here must not refuse the request.
            if let Err(e) = self.keys.record_use(key.id, now).await {
                tracing::warn!(api_key_id = %key.id, error = %e, "recording an API key's use failed");
            }
        }
        Ok(actor)
    }
}
