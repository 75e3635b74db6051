//! The real clock.

use chrono::{SubsecRound, Utc};
use zonmart_domain::Timestamp;
use zonmart_ports::Clock;

/// The system's time in UTC, cut to whole microseconds: what PostgreSQL
/// keeps, so a stored and re-read time equals the one the use case held.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now().trunc_subsecs(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn now_has_whole_microseconds() {
        assert_eq!(SystemClock.now().nanosecond() % 1_000, 0);
    }
}
