//! The fleet's rate-limit counters on a real Redis (`ZONMART_TEST_REDIS_URL`,
//! default `redis://127.0.0.1:6379/15`; under `CI=true` an unreachable Redis
//! fails these tests instead of skipping them).

use std::time::{Duration, Instant};

use zonmart_adapters::RedisRateCounter;
use zonmart_domain::{Gcra, RateDecision};
use zonmart_ports::RateCounter;

fn redis_url() -> String {
    std::env::var("ZONMART_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/15".into())
}

/// A counter with a key prefix of its own (tests share one Redis), or None
/// (with a notice) when there is no Redis outside CI.
async fn counter(prefix: &str) -> Option<RedisRateCounter> {
    let counter = RedisRateCounter::new(&redis_url(), prefix, Duration::from_millis(500)).expect("a valid URL");
    match counter.hit("probe", Gcra::per_minute(1_000_000, 1_000_000)).await {
        Ok(_) => Some(counter),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipped: no Redis at {} ({e})", redis_url());
            None
        }
        Err(e) => panic!("CI=true needs a Redis at {}: {e}", redis_url()),
    }
}

fn unique_prefix(name: &str) -> String {
    format!("zonmart-test:{name}:{}:", ulid::Ulid::generate())
}

/// Three counters (three instances' connections) hit one key 30 times at
/// once: exactly the burst gets through, not three times it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_one_limit_exactly() {
    let prefix = unique_prefix("shared");
    let Some(first) = counter(&prefix).await else { return };
    let instances = [first, counter(&prefix).await.unwrap(), counter(&prefix).await.unwrap()];
    let rule = Gcra::per_minute(10, 5);
    let hits = (0..30).map(|n| {
        let instance = instances[n % 3].clone();
        tokio::spawn(async move { instance.hit("login:203.0.113.7", rule).await })
    });
    let mut allowed = 0;
    let mut waits = Vec::new();
    for hit in hits {
        match hit.await.unwrap().unwrap() {
            RateDecision::Allowed { .. } => allowed += 1,
            RateDecision::Limited { retry_after } => waits.push(retry_after),
        }
    }
    assert_eq!(allowed, 5, "the burst of 5, fleet-wide");
    assert!(waits.iter().all(|wait| *wait > Duration::ZERO && *wait <= Duration::from_secs(6)), "{waits:?}");
    // Another key is untouched.
    assert!(matches!(instances[1].hit("login:198.51.100.1", rule).await.unwrap(), RateDecision::Allowed { .. }));
}

/// What Redis decides is what `Gcra::decide` decides: the same sequence of
/// allowed and refused for a burst, then one more after the interval.
#[tokio::test(flavor = "multi_thread")]
async fn redis_decides_as_the_domain_rule_does() {
    let Some(counter) = counter(&unique_prefix("twin")).await else { return };
    let rule = Gcra { emission: Duration::from_millis(300), burst: 3 };
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(matches!(counter.hit("k", rule).await.unwrap(), RateDecision::Allowed { .. }));
    }
    let (mut tat, mut expected) = (None, Vec::new());
    for _ in 0..5 {
        match rule.decide(tat, 1_000_000) {
            RateDecision::Allowed { tat: next } => {
                tat = Some(next);
                expected.push(true)
            }
            RateDecision::Limited { .. } => expected.push(false),
        }
    }
    assert_eq!(seen, expected);
    tokio::time::sleep(Duration::from_millis(320)).await;
    assert!(matches!(counter.hit("k", rule).await.unwrap(), RateDecision::Allowed { .. }), "one interval later");
}

/// Nothing listens: the check fails within its timeout, it never hangs.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_redis_fails_fast() {
    let counter = RedisRateCounter::new("redis://127.0.0.1:1/0", "x:", Duration::from_millis(50)).unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        let result = counter.hit("k", Gcra::per_minute(10, 5)).await;
        assert!(result.is_err(), "{result:?}");
        assert!(started.elapsed() < Duration::from_millis(300), "took {:?}", started.elapsed());
    }
}
