//! Rate-limit counters: each key's GCRA state (`zonmart_domain::Gcra`), in
//! this process ([`LocalRateCounter`]) or in Redis for a whole fleet
//! ([`RedisRateCounter`]).

mod local;
mod redis;

pub use self::local::LocalRateCounter;
pub use self::redis::RedisRateCounter;
