//! One process's counters: a sharded map from key to TAT, on the process's
//! monotonic clock.

use std::time::Instant;

use async_trait::async_trait;
use dashmap::DashMap;
use zonmart_domain::{Gcra, RateDecision};
use zonmart_ports::{RateCounter, RepoError};

/// Keys and their TATs (microseconds since the counter was made).
pub struct LocalRateCounter {
    tats: DashMap<String, u64>,
    started: Instant,
}

impl Default for LocalRateCounter {
    fn default() -> Self {
        LocalRateCounter { tats: DashMap::new(), started: Instant::now() }
    }
}

impl LocalRateCounter {
    fn now_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// One request of `key` under `rule`, decided at once (never waits).
    pub fn hit_now(&self, key: &str, rule: Gcra) -> RateDecision {
        let now = self.now_us();
        // The entry's shard stays locked from the read to the write, so two
        // workers' requests of one key are decided one after the other.
        let mut entry = self.tats.entry(key.to_owned()).or_insert(0);
        let seen = (*entry > 0).then_some(*entry);
        let decision = rule.decide(seen, now);
        if let RateDecision::Allowed { tat } = decision {
            *entry = tat;
        }
        decision
    }

    /// Forgets keys whose TAT has passed (their bucket is full again, which
    /// is what an unknown key gets), so memory follows active clients.
    pub fn forget_idle(&self) {
        let now = self.now_us();
        self.tats.retain(|_, tat| *tat > now);
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.tats.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tats.is_empty()
    }
}

#[async_trait]
impl RateCounter for LocalRateCounter {
    async fn hit(&self, key: &str, rule: Gcra) -> Result<RateDecision, RepoError> {
        Ok(self.hit_now(key, rule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_bucket_and_idle_keys_are_forgotten() {
        let counter = LocalRateCounter::default();
        let rule = Gcra::per_minute(60, 3);
        let passed =
            |key| (0..10).filter(|_| matches!(counter.hit_now(key, rule), RateDecision::Allowed { .. })).count();
        assert_eq!((passed("a"), passed("b")), (3, 3));
        assert_eq!(counter.len(), 2);
        let quick = Gcra { emission: std::time::Duration::from_micros(1), burst: 1 };
        counter.hit_now("c", quick);
        std::thread::sleep(std::time::Duration::from_millis(2));
        counter.forget_idle();
        assert_eq!(counter.len(), 2, "c's TAT passed; a and b are still busy");
    }
}
