//! The refresh-token store's contract, run against SQLite and PostgreSQL alike.

mod support;

use std::sync::Arc;

use chrono::Duration;
use ulid::Ulid;
use zonmart_adapters::testing::TestDatabase;
use zonmart_adapters::{Database, RandomSecrets, SqlRefreshTokenStore, SqlUserRepository, SystemClock};
use zonmart_domain::{Timestamp, UserId};
use zonmart_ports::{Clock, Consumed, RefreshToken, RefreshTokenStore, SecretGenerator, UserRepository};

use support::Users;

on_each_backend!(
    a_stored_token_is_found_by_its_secret_only,
    a_live_token_is_consumed_once_and_is_spent_after,
    a_token_is_expired_from_its_expiry_on,
    revoking_a_family_spends_its_tokens_and_no_others,
    an_unknown_secret_is_unknown,
    purging_removes_only_expired_tokens,
);

/// A store with one user to own tokens, and a way to make them.
struct Fixture {
    store: SqlRefreshTokenStore,
    user_id: UserId,
    now: Timestamp,
}

impl Fixture {
    async fn new(db: Database) -> Self {
        let user = Users::new().customer("alice", None);
        SqlUserRepository::new(db.clone())
            .insert(&user, &zonmart_adapters::testing::events::any_event())
            .await
            .unwrap();
        Self { store: SqlRefreshTokenStore::new(db), user_id: user.id, now: SystemClock.now() }
    }

    /// Stores a token of `family` living `ttl` from now; returns its secret.
    async fn token(&self, family: Ulid, ttl: Duration) -> (String, RefreshToken) {
        let secret = RandomSecrets.secret();
        let token = RefreshToken {
            id: Ulid::generate(),
            family_id: family,
            user_id: self.user_id,
            session_generation: 3,
            created_at: self.now,
            expires_at: self.now + ttl,
        };
        self.store.insert(&secret, &token).await.unwrap();
        (secret, token)
    }
}

async fn a_stored_token_is_found_by_its_secret_only(db: Database) {
    let f = Fixture::new(db).await;
    let (secret, token) = f.token(Ulid::generate(), Duration::days(1)).await;
    assert_eq!(f.store.find(&secret).await.unwrap(), Some(token));
    assert_eq!(f.store.find(&RandomSecrets.secret()).await.unwrap(), None);
}

async fn a_live_token_is_consumed_once_and_is_spent_after(db: Database) {
    let f = Fixture::new(db).await;
    let (secret, token) = f.token(Ulid::generate(), Duration::days(1)).await;
    assert_eq!(f.store.consume(&secret, f.now).await.unwrap(), Consumed::Live(token.clone()));
    assert_eq!(f.store.consume(&secret, f.now).await.unwrap(), Consumed::Spent(token));
}

async fn a_token_is_expired_from_its_expiry_on(db: Database) {
    let f = Fixture::new(db).await;
    let (secret, token) = f.token(Ulid::generate(), Duration::minutes(5)).await;
    assert_eq!(f.store.consume(&secret, token.expires_at).await.unwrap(), Consumed::Expired);
    let just_before = token.expires_at - Duration::microseconds(1);
    assert_eq!(f.store.consume(&secret, just_before).await.unwrap(), Consumed::Live(token));
}

async fn revoking_a_family_spends_its_tokens_and_no_others(db: Database) {
    let f = Fixture::new(db).await;
    let family = Ulid::generate();
    let (first, first_token) = f.token(family, Duration::days(1)).await;
    let (second, second_token) = f.token(family, Duration::days(1)).await;
    let (other, other_token) = f.token(Ulid::generate(), Duration::days(1)).await;
    f.store.revoke_family(family, f.now).await.unwrap();
    f.store.revoke_family(family, f.now).await.unwrap();
    assert_eq!(f.store.consume(&first, f.now).await.unwrap(), Consumed::Spent(first_token));
    assert_eq!(f.store.consume(&second, f.now).await.unwrap(), Consumed::Spent(second_token));
    assert_eq!(f.store.consume(&other, f.now).await.unwrap(), Consumed::Live(other_token));
}

async fn an_unknown_secret_is_unknown(db: Database) {
    let f = Fixture::new(db).await;
    assert_eq!(f.store.consume(&RandomSecrets.secret(), f.now).await.unwrap(), Consumed::Unknown);
}

async fn purging_removes_only_expired_tokens(db: Database) {
    let f = Fixture::new(db).await;
    let (expired, _) = f.token(Ulid::generate(), Duration::seconds(1)).await;
    let (live, live_token) = f.token(Ulid::generate(), Duration::days(1)).await;
    let later = f.now + Duration::seconds(2);
    assert_eq!(f.store.purge_expired(later).await.unwrap(), 1);
    assert_eq!(f.store.find(&expired).await.unwrap(), None);
    assert_eq!(f.store.find(&live).await.unwrap(), Some(live_token));
}

/// Of ten concurrent presentations of one token, exactly one finds it live.
async fn ten_concurrent_consumes_of_one_token_find_it_live_once(db: Database) {
    let f = Arc::new(Fixture::new(db).await);
    let (secret, _) = f.token(Ulid::generate(), Duration::days(1)).await;
    let mut presenters = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (f, secret) = (Arc::clone(&f), secret.clone());
        presenters.spawn(async move { f.store.consume(&secret, f.now).await.unwrap() });
    }
    let results = presenters.join_all().await;
    let live = results.iter().filter(|r| matches!(r, Consumed::Live(_))).count();
    let spent = results.iter().filter(|r| matches!(r, Consumed::Spent(_))).count();
    assert_eq!((live, spent), (1, 9), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_ten_concurrent_consumes_of_one_token_find_it_live_once() {
    let db = TestDatabase::sqlite_file(4).await;
    ten_concurrent_consumes_of_one_token_find_it_live_once(db.database()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_ten_concurrent_consumes_of_one_token_find_it_live_once() {
    let Some(db) = TestDatabase::postgres().await else { return };
    ten_concurrent_consumes_of_one_token_find_it_live_once(db.database()).await;
}
