//! Service API keys: what other apps of the shop authenticate with. A key is
//! shown once when created; only its hash and a short prefix are kept.

use chrono::Duration;
use thiserror::Error;

use crate::actor::{Actor, Scopes};
use crate::ids::ApiKeyId;
use crate::text::{TextError, TextRule};
use crate::version::Version;
use crate::Timestamp;

/// What every key starts with, so a bearer credential tells its kind.
pub const API_KEY_PREFIX: &str = "zk_";

/// How many leading characters of a key are kept to recognise it by.
pub const SHOWN_PREFIX_LEN: usize = 8;

/// `last_used_at` is written at most this often per key, so that using a
/// key costs no write on every request.
pub const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// Whether a bearer credential is an API key (rather than an access token).
pub fn is_api_key(bearer: &str) -> bool {
    bearer.starts_with(API_KEY_PREFIX)
}

/// A key's name: 1..=100 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    pub const RULE: TextRule = TextRule::line(1, 100);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must name at least one scope")]
pub struct NoScopes;

/// A key's scopes: at least one.
pub fn key_scopes(scopes: Scopes) -> Result<Scopes, NoScopes> {
    if scopes.is_empty() {
        Err(NoScopes)
    } else {
        Ok(scopes)
    }
}

/// A stored key (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: ApiKeyName,
    pub scopes: Scopes,
    /// The key's first [`SHOWN_PREFIX_LEN`] characters.
    pub prefix: String,
    pub revoked: bool,
    pub last_used_at: Option<Timestamp>,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What an admin asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: ApiKeyName,
    pub scopes: Scopes,
}

impl NewApiKey {
    /// The key record for the secret `key` (which starts with `zk_`).
    pub fn into_key(self, id: ApiKeyId, key: &str, now: Timestamp) -> ApiKey {
        ApiKey {
            id,
            name: self.name,
            scopes: self.scopes,
            prefix: key.chars().take(SHOWN_PREFIX_LEN).collect(),
            revoked: false,
            last_used_at: None,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

impl ApiKey {
    /// The actor a request carrying this key acts as, unless it is revoked.
    pub fn actor(&self) -> Option<Actor> {
        (!self.revoked).then(|| Actor::service(self.id.ulid(), self.scopes))
    }

    /// Whether a use at `now` should be recorded (at most once a minute).
    pub fn use_worth_recording(&self, now: Timestamp) -> bool {
        self.last_used_at.is_none_or(|last| now - last >= LAST_USED_RESOLUTION)
    }

    /// The key revoked at `now` (already revoked: unchanged).
    pub fn revoke(mut self, now: Timestamp) -> ApiKey {
        if !self.revoked {
            self.revoked = true;
            self.version = self.version.next();
            self.updated_at = now;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Scope;
    use chrono::{TimeZone, Utc};
    use ulid::Ulid;

    fn key() -> ApiKey {
        let new = NewApiKey {
            name: ApiKeyName::parse("warehouse").unwrap(),
            scopes: [Scope::OrdersRead].into_iter().collect(),
        };
        new.into_key(ApiKeyId::from_ulid(Ulid::from_parts(1, 1)), "zk_abcdefghijkl", Utc.timestamp_opt(0, 0).unwrap())
    }

    #[test]
    fn only_the_prefix_of_the_secret_is_kept() {
        assert_eq!(key().prefix, "zk_abcde");
    }

    #[test]
    fn a_revoked_key_is_no_actor_and_a_new_version() {
        let revoked = key().revoke(Utc.timestamp_opt(5, 0).unwrap());
        assert_eq!(revoked.actor(), None);
        assert_eq!(revoked.version.get(), 2);
        assert_eq!(revoked.clone().revoke(Utc.timestamp_opt(9, 0).unwrap()), revoked);
    }

    #[test]
    fn a_use_is_recorded_at_most_once_a_minute() {
        let mut k = key();
        let t0 = Utc.timestamp_opt(100, 0).unwrap();
        assert!(k.use_worth_recording(t0));
        k.last_used_at = Some(t0);
        assert!(!k.use_worth_recording(t0 + Duration::seconds(59)));
        assert!(k.use_worth_recording(t0 + Duration::seconds(60)));
    }

    #[test]
    fn a_key_needs_a_scope() {
        assert_eq!(key_scopes(Scopes::default()), Err(NoScopes));
    }
}
