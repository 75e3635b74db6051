//! The API key repository: only a hash is stored, lookups by the secret,
//! versioned revocation, use recorded. SQLite and PostgreSQL.

mod support;

use chrono::{SubsecRound, Utc};
use ulid::Ulid;
use zonmart_adapters::{Database, SqlApiKeyRepository};
use zonmart_domain::{ApiKey, ApiKeyId, ApiKeyName, Limit, NewApiKey, PageRequest, Scope};
use zonmart_ports::{ApiKeyRepository, RepoError};

use support::version;

on_each_backend!(
    a_key_is_found_by_its_secret_only,
    revoking_is_versioned,
    a_use_is_recorded_without_a_new_version,
    keys_are_listed_newest_first,
);

const SECRET: &str = "zk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn key() -> ApiKey {
    let new = NewApiKey {
        name: ApiKeyName::parse("warehouse").unwrap(),
        scopes: [Scope::OrdersRead, Scope::EventsRead].into_iter().collect(),
    };
    new.into_key(ApiKeyId::from_ulid(Ulid::generate()), SECRET, Utc::now().trunc_subsecs(6))
}

async fn a_key_is_found_by_its_secret_only(db: Database) {
    let repo = SqlApiKeyRepository::new(db);
    let key = key();
    repo.insert(&key, SECRET).await.unwrap();
    assert_eq!(repo.find_by_secret(SECRET).await.unwrap(), Some(key.clone()));
    assert_eq!(repo.find_by_secret("zk_wrong").await.unwrap(), None);
    assert_eq!(repo.find(key.id).await.unwrap(), Some(key));
}

async fn revoking_is_versioned(db: Database) {
    let repo = SqlApiKeyRepository::new(db);
    let key = key();
    repo.insert(&key, SECRET).await.unwrap();
    let revoked = key.clone().revoke(Utc::now().trunc_subsecs(6));
    repo.update(&revoked, version(1)).await.unwrap();
    assert!(repo.find_by_secret(SECRET).await.unwrap().unwrap().revoked);
    let stale = repo.update(&revoked, version(1)).await;
    assert_eq!(stale, Err(RepoError::VersionConflict { current: version(2) }));
}

async fn a_use_is_recorded_without_a_new_version(db: Database) {
    let repo = SqlApiKeyRepository::new(db);
    let key = key();
    repo.insert(&key, SECRET).await.unwrap();
    let at = Utc::now().trunc_subsecs(6);
    repo.record_use(key.id, at).await.unwrap();
    let found = repo.find(key.id).await.unwrap().unwrap();
    assert_eq!((found.last_used_at, found.version), (Some(at), version(1)));
}

async fn keys_are_listed_newest_first(db: Database) {
    let repo = SqlApiKeyRepository::new(db);
    // Ids a millisecond apart, so "newest" is not left to the random part.
    let first = key();
    let later = Ulid::from_parts(first.id.ulid().timestamp_ms() + 1, 0);
    let second = ApiKey { id: ApiKeyId::from_ulid(later), ..key() };
    repo.insert(&first, "zk_a").await.unwrap();
    repo.insert(&second, "zk_b").await.unwrap();
    let page = repo.list(PageRequest { limit: Limit::new(1).unwrap(), after: None }).await.unwrap();
    assert_eq!(page.items, [second]);
    let rest = repo.list(PageRequest { limit: Limit::new(5).unwrap(), after: page.next }).await.unwrap();
    assert_eq!(rest.items, [first]);
}
