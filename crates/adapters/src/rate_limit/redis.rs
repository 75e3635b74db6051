//! The fleet's counters in Redis: one Lua script per check computes the
//! same GCRA as `Gcra::decide` on Redis's own clock (so instances whose
//! clocks differ still agree) and stores the TAT with an expiry at that
//! TAT, all in one atomic step: never a read and then a write.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use zonmart_domain::{Gcra, RateDecision};
use zonmart_ports::{RateCounter, RepoError};

/// `Gcra::decide`, in Redis. KEYS[1] the key; ARGV[1] the emission interval
/// and ARGV[2] the burst. Returns `{1, tat}` (allowed) or `{0, wait}`, in
/// microseconds. Lua numbers are doubles: exact up to 2^53 µs (285 years).
const GCRA: &str = r"
local emission = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next = tat + emission
local allowed_from = next - emission * burst
if now < allowed_from then
  return {0, allowed_from - now}
end
redis.call('SET', KEYS[1], next, 'PX', math.floor((next - now) / 1000) + 1)
return {1, next}
";

/// Counters shared through one Redis; every call answers within `timeout`.
#[derive(Clone)]
pub struct RedisRateCounter {
    connection: ConnectionManager,
    script: Script,
    prefix: String,
    timeout: Duration,
}

impl RedisRateCounter {
    /// Connects lazily (a Redis that is down at start-up is not an error:
    /// the first checks fail and reconnection goes on in the background).
    /// Keys are `<prefix><key>`; a call that takes longer than `timeout` is
    /// `Unavailable`.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, RepoError> {
        let client = redis::Client::open(url).map_err(|e| RepoError::Unavailable(format!("redis url: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout.max(Duration::from_millis(200))))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| RepoError::Unavailable(format!("redis: {e}")))?;
        Ok(RedisRateCounter { connection, script: Script::new(GCRA), prefix: prefix.to_owned(), timeout })
    }
}

#[async_trait]
impl RateCounter for RedisRateCounter {
    async fn hit(&self, key: &str, rule: Gcra) -> Result<RateDecision, RepoError> {
        let mut connection = self.connection.clone();
        let mut call = self.script.key(format!("{}{key}", self.prefix));
        call.arg(rule.emission_us()).arg(rule.burst);
        let answer = tokio::time::timeout(self.timeout, call.invoke_async::<(u8, u64)>(&mut connection))
            .await
            .map_err(|_| RepoError::Unavailable(format!("redis did not answer within {:?}", self.timeout)))?
            .map_err(|e| RepoError::Unavailable(format!("redis: {e}")))?;
        Ok(match answer {
            (1, tat) => RateDecision::Allowed { tat },
            (_, wait) => RateDecision::Limited { retry_after: Duration::from_micros(wait) },
        })
    }
}
