use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::{ApiKeyName, NewApiKey, Scope};
use zonmart_ports::{MockApiKeyRepository, MockSecretGenerator};

use super::*;
use crate::test_support::{admin, clock_at, customer, ids_from, t0, version};

fn secrets() -> Arc<MockSecretGenerator> {
    let mut secrets = MockSecretGenerator::new();
    secrets.expect_secret().returning(|| "0123456789abcdef0123456789abcdef".into());
    Arc::new(secrets)
}

fn service(keys: MockApiKeyRepository) -> ApiKeyService {
    ApiKeyService::new(Arc::new(keys), secrets(), clock_at(t0()), ids_from(8))
}

fn new_key() -> NewApiKey {
    NewApiKey { name: ApiKeyName::parse("warehouse").unwrap(), scopes: [Scope::OrdersRead].into_iter().collect() }
}

fn stored() -> ApiKey {
    new_key().into_key(ApiKeyId::from_ulid(ulid::Ulid::from_parts(8, 0)), "zk_0123456789", t0())
}

#[tokio::test]
async fn an_admin_gets_the_secret_once_and_only_its_hash_is_stored() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_insert()
        .withf(|key, secret| secret == "zk_0123456789abcdef0123456789abcdef" && key.prefix == "zk_01234")
        .returning(|_, _| Ok(()));
    let issued = service(keys).create(&admin(1), new_key()).await.unwrap();
    assert!(issued.secret.starts_with("zk_") && issued.secret.len() >= 35);
    assert!(!issued.key.revoked);
}

#[tokio::test]
async fn customers_and_services_cannot_manage_keys() {
    let keys = service(MockApiKeyRepository::new());
    assert!(matches!(keys.create(&customer(1), new_key()).await, Err(AppError::Forbidden(_))));
    let service_actor = stored().actor().unwrap();
    assert!(matches!(keys.create(&service_actor, new_key()).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_revoked_key_is_unauthorized() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_by_secret().returning(|_| Ok(Some(stored().revoke(t0()))));
    assert_eq!(service(keys).authenticate("zk_x").await, Err(AppError::Unauthorized));
}

#[tokio::test]
async fn an_unknown_key_is_unauthorized() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_by_secret().returning(|_| Ok(None));
    assert_eq!(service(keys).authenticate("zk_x").await, Err(AppError::Unauthorized));
}

#[tokio::test]
async fn a_use_is_recorded_only_when_the_last_is_a_minute_old() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_by_secret().returning(|_| {
        let mut key = stored();
        key.last_used_at = Some(t0() - Duration::seconds(30));
        Ok(Some(key))
    });
    keys.expect_record_use().never();
    let actor = service(keys).authenticate("zk_x").await.unwrap();
    assert_eq!(actor.service, Some([Scope::OrdersRead].into_iter().collect()));

    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_by_secret().returning(|_| Ok(Some(stored())));
    keys.expect_record_use().times(1).returning(|_, _| Ok(()));
    assert!(service(keys).authenticate("zk_x").await.is_ok());
}

#[tokio::test]
async fn revoking_writes_the_next_version() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find().returning(|_| Ok(Some(stored())));
    keys.expect_update()
        .withf(|key, expected| key.revoked && key.version.get() == 2 && expected.get() == 1)
        .returning(|_, _| Ok(()));
    service(keys).revoke(&admin(1), stored().id, version(1)).await.unwrap();
}

#[tokio::test]
async fn revoking_at_a_stale_version_conflicts() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find().returning(|_| Ok(Some(stored())));
    let err = service(keys).revoke(&admin(1), stored().id, version(3)).await;
    assert!(matches!(err, Err(AppError::VersionConflict { .. })));
}
