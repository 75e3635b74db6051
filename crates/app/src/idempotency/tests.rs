use std::sync::Arc;

use zonmart_domain::IdempotencyKey;
use zonmart_ports::{Claim, MockIdempotencyStore, StoredResponse};

use super::{Begin, IdempotencyService, ABANDONED_AFTER, KEY_TTL};
use crate::error::KeyConflict;
use crate::test_support::*;
use crate::AppError;

fn key() -> IdempotencyKey {
    IdempotencyKey::parse("order-1").unwrap()
}

fn service_claiming(claim: Claim) -> IdempotencyService {
    let mut store = MockIdempotencyStore::new();
    store
        .expect_claim()
        .withf(|user, k, hash, now, expired, abandoned| {
            *user == user_id(1)
                && k.as_str() == "order-1"
                && hash == "h1"
                && *now == t0()
                && *expired == t0() - KEY_TTL
                && *abandoned == t0() - ABANDONED_AFTER
        })
        .return_const(Ok(claim));
    IdempotencyService::new(Arc::new(store), clock_at(t0()))
}

#[tokio::test]
async fn a_new_key_lets_the_request_proceed() {
    assert_eq!(service_claiming(Claim::Claimed).begin(&customer(1), &key(), "h1").await.unwrap(), Begin::Proceed);
}

#[tokio::test]
async fn a_completed_key_with_the_same_request_replays_the_first_answer() {
    let stored = StoredResponse { body: "{\"id\":\"x\"}".into() };
    let begin = service_claiming(Claim::Replay(stored.clone())).begin(&customer(1), &key(), "h1").await.unwrap();
    assert_eq!(begin, Begin::Replay(stored));
}

#[tokio::test]
async fn a_key_in_flight_or_reused_with_another_body_is_a_conflict() {
    for (claim, why) in [(Claim::InFlight, KeyConflict::InFlight), (Claim::Mismatch, KeyConflict::Mismatch)] {
        let err = service_claiming(claim).begin(&customer(1), &key(), "h1").await.unwrap_err();
        assert_eq!(err, AppError::IdempotencyConflict(why));
    }
}
