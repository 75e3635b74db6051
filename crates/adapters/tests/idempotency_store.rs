//! The idempotency store's contract, run against SQLite and PostgreSQL alike.

mod support;

use std::sync::Arc;

use chrono::Duration;
use zonmart_adapters::{Database, SqlIdempotencyStore, SystemClock};
use zonmart_domain::{IdempotencyKey, Timestamp, UserId};
use zonmart_ports::{Claim, Clock, IdempotencyStore, RepoError, StoredResponse};

use support::stored_customer;

on_each_backend!(
    the_first_claim_wins_and_a_second_finds_it_in_flight,
    a_completed_key_replays_its_answer,
    another_body_under_the_same_key_is_a_mismatch,
    a_released_key_can_be_claimed_again,
    a_completed_answer_is_never_released,
    completing_a_key_nobody_holds_is_not_found,
    an_expired_record_counts_as_absent,
    an_abandoned_claim_is_taken_over_once,
    keys_belong_to_one_user,
    purging_removes_only_expired_records,
);

concurrently_on_each_backend!(ten_concurrent_claims_of_one_key_let_exactly_one_through);

/// A store, a stored user, and the windows a use case would pass: records
/// live 24 h, a claim unfinished after 5 min was abandoned.
struct Fixture {
    store: SqlIdempotencyStore,
    user: UserId,
    now: Timestamp,
}

impl Fixture {
    async fn new(db: Database) -> Self {
        let user = stored_customer(&db, "alice").await.id;
        Self { store: SqlIdempotencyStore::new(db), user, now: SystemClock.now() }
    }

    async fn claim_at(&self, user: UserId, key: &str, hash: &str, now: Timestamp) -> Claim {
        let key = IdempotencyKey::parse(key).unwrap();
        let (expired_before, abandoned_before) = (now - Duration::hours(24), now - Duration::minutes(5));
        self.store.claim(user, &key, hash, now, expired_before, abandoned_before).await.unwrap()
    }

    async fn claim(&self, key: &str, hash: &str) -> Claim {
        self.claim_at(self.user, key, hash, self.now).await
    }

    async fn complete(&self, key: &str, body: &str) -> Result<(), RepoError> {
        let response = StoredResponse { body: body.to_owned() };
        self.store.complete(self.user, &IdempotencyKey::parse(key).unwrap(), &response).await
    }

    async fn release(&self, key: &str) {
        self.store.release(self.user, &IdempotencyKey::parse(key).unwrap()).await.unwrap();
    }
}

fn replay(body: &str) -> Claim {
    Claim::Replay(StoredResponse { body: body.to_owned() })
}

async fn the_first_claim_wins_and_a_second_finds_it_in_flight(db: Database) {
    let f = Fixture::new(db).await;
    assert_eq!(f.claim("order-1", "h1").await, Claim::Claimed);
    assert_eq!(f.claim("order-1", "h1").await, Claim::InFlight);
}

async fn a_completed_key_replays_its_answer(db: Database) {
    let f = Fixture::new(db).await;
    f.claim("order-1", "h1").await;
    f.complete("order-1", r#"{"id":"01J"}"#).await.unwrap();
    assert_eq!(f.claim("order-1", "h1").await, replay(r#"{"id":"01J"}"#));
    assert_eq!(f.claim("order-1", "h1").await, replay(r#"{"id":"01J"}"#), "as often as asked");
}

async fn another_body_under_the_same_key_is_a_mismatch(db: Database) {
    let f = Fixture::new(db).await;
    f.claim("order-1", "h1").await;
    assert_eq!(f.claim("order-1", "h2").await, Claim::Mismatch, "while in flight");
    f.complete("order-1", "{}").await.unwrap();
    assert_eq!(f.claim("order-1", "h2").await, Claim::Mismatch, "once completed");
}

async fn a_released_key_can_be_claimed_again(db: Database) {
    let f = Fixture::new(db).await;
    f.claim("order-1", "h1").await;
    f.release("order-1").await;
    f.release("order-1").await;
    assert_eq!(f.claim("order-1", "h2").await, Claim::Claimed, "even with another body: nothing was done");
}

async fn a_completed_answer_is_never_released(db: Database) {
    let f = Fixture::new(db).await;
    f.claim("order-1", "h1").await;
    f.complete("order-1", "{}").await.unwrap();
    f.release("order-1").await;
    assert_eq!(f.claim("order-1", "h1").await, replay("{}"));
}

async fn completing_a_key_nobody_holds_is_not_found(db: Database) {
    let f = Fixture::new(db).await;
    assert_eq!(f.complete("never-claimed", "{}").await, Err(RepoError::NotFound));
    f.claim("order-1", "h1").await;
    f.complete("order-1", "{}").await.unwrap();
    assert_eq!(f.complete("order-1", "again").await, Err(RepoError::NotFound), "the first answer stays");
}

async fn an_expired_record_counts_as_absent(db: Database) {
    let f = Fixture::new(db).await;
    f.claim("order-1", "h1").await;
    f.complete("order-1", "{}").await.unwrap();
    let next_day = f.now + Duration::hours(24) + Duration::microseconds(1);
    assert_eq!(f.claim_at(f.user, "order-1", "h2", next_day).await, Claim::Claimed);
    assert_eq!(f.claim_at(f.user, "order-1", "h2", next_day).await, Claim::InFlight, "claimed afresh");
}

async fn an_abandoned_claim_is_taken_over_once(db: Database) {
    let f = Fixture::new(db).await;
    f.claim("order-1", "h1").await;
    let just_before = f.now + Duration::minutes(5);
    assert_eq!(f.claim_at(f.user, "order-1", "h1", just_before).await, Claim::InFlight, "not abandoned yet");
    let later = f.now + Duration::minutes(6);
    assert_eq!(f.claim_at(f.user, "order-1", "h1", later).await, Claim::Claimed);
    assert_eq!(f.claim_at(f.user, "order-1", "h1", later).await, Claim::InFlight, "the taker holds it now");
}

async fn keys_belong_to_one_user(db: Database) {
    let bob = stored_customer(&db, "bob").await.id;
    let f = Fixture::new(db).await;
    assert_eq!(f.claim("order-1", "h1").await, Claim::Claimed);
    assert_eq!(f.claim_at(bob, "order-1", "h2", f.now).await, Claim::Claimed);
}

async fn purging_removes_only_expired_records(db: Database) {
    let f = Fixture::new(db).await;
    let yesterday = f.now - Duration::hours(25);
    f.claim_at(f.user, "old", "h1", yesterday).await;
    f.claim("fresh", "h1").await;
    assert_eq!(f.store.purge_expired(f.now - Duration::hours(24)).await.unwrap(), 1);
    assert_eq!(f.claim("fresh", "h1").await, Claim::InFlight);
    assert_eq!(f.claim_at(f.user, "old", "h1", yesterday).await, Claim::Claimed, "gone, so free again");
}

/// Of ten requests with one key at once, exactly one may run.
async fn ten_concurrent_claims_of_one_key_let_exactly_one_through(db: Database) {
    let f = Arc::new(Fixture::new(db).await);
    let mut claimers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let f = Arc::clone(&f);
        claimers.spawn(async move { f.claim("order-1", "h1").await });
    }
    let results = claimers.join_all().await;
    let claimed = results.iter().filter(|c| **c == Claim::Claimed).count();
    let in_flight = results.iter().filter(|c| **c == Claim::InFlight).count();
    assert_eq!((claimed, in_flight), (1, 9), "{results:?}");
}
