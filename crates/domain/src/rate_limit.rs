//! The rate-limit rule: GCRA (the generic cell rate algorithm), as
//! `governor` and `redis-cell` have it. A key's whole state is one number,
//! its theoretical arrival time (TAT): when its bucket would next be empty.
//! A request at `now` is allowed while the TAT after it stays within
//! `burst` emission intervals of `now`; each allowed request moves the TAT
//! one interval on. That one number is what a shared store keeps per key,
//! and [`Gcra::decide`] is the whole decision (the Redis adapter runs the
//! same arithmetic atomically in a script).

use std::time::Duration;

/// `per_minute` requests a minute, in bursts of at most `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    /// The time one request "costs": a minute divided by the rate.
    pub emission: Duration,
    /// How many requests may come at once after a quiet spell (at least 1).
    pub burst: u32,
}

/// What a check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Allowed; the key's TAT becomes `tat` (microseconds on the clock the
    /// decision was made with), to be kept until then.
    Allowed { tat: u64 },
    /// Refused; allowed again after `retry_after`.
    Limited { retry_after: Duration },
}

impl Gcra {
    /// `per_minute` (at least 1) requests a minute, `burst` (at least 1) at once.
    pub fn per_minute(per_minute: u32, burst: u32) -> Gcra {
        Gcra { emission: Duration::from_micros(60_000_000 / u64::from(per_minute.max(1))), burst: burst.max(1) }
    }

    /// The emission interval in microseconds (the unit the stores keep).
    pub fn emission_us(&self) -> u64 {
        u64::try_from(self.emission.as_micros()).unwrap_or(u64::MAX).max(1)
    }

    /// A request at `now_us` against a key whose TAT is `tat_us` (`None`:
    /// never seen, or forgotten after its TAT passed).
    pub fn decide(&self, tat_us: Option<u64>, now_us: u64) -> RateDecision {
        let emission = self.emission_us();
        let tat = tat_us.unwrap_or(now_us).max(now_us);
        let next = tat.saturating_add(emission);
        let allowed_from = next.saturating_sub(emission.saturating_mul(u64::from(self.burst)));
        if now_us < allowed_from {
            RateDecision::Limited { retry_after: Duration::from_micros(allowed_from - now_us) }
        } else {
            RateDecision::Allowed { tat: next }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `count` requests at `at_us` against one key; how many got through.
    fn allowed(rule: Gcra, tat: &mut Option<u64>, at_us: u64, count: usize) -> usize {
        (0..count)
            .filter(|_| match rule.decide(*tat, at_us) {
                RateDecision::Allowed { tat: next } => {
                    *tat = Some(next);
                    true
                }
                RateDecision::Limited { .. } => false,
            })
            .count()
    }

    #[test]
    fn a_burst_passes_at_once_and_then_one_per_interval() {
        let rule = Gcra::per_minute(10, 5);
        let mut tat = None;
        assert_eq!(allowed(rule, &mut tat, 1_000_000, 30), 5, "the burst, then nothing");
        // 6 s later one interval has passed: exactly one more.
        assert_eq!(allowed(rule, &mut tat, 7_000_000, 30), 1);
        // A quiet minute refills the whole burst, never more.
        assert_eq!(allowed(rule, &mut tat, 600_000_000, 30), 5);
    }

    #[test]
    fn a_refusal_says_when_the_next_request_passes_and_it_does() {
        let rule = Gcra::per_minute(60, 1);
        let mut tat = None;
        assert_eq!(allowed(rule, &mut tat, 0, 1), 1);
        let RateDecision::Limited { retry_after } = rule.decide(tat, 250_000) else { panic!("second within 1 s") };
        assert_eq!(retry_after, Duration::from_millis(750));
        assert!(matches!(rule.decide(tat, 1_000_000), RateDecision::Allowed { .. }));
    }

    #[test]
    fn a_refusal_does_not_move_the_tat() {
        let rule = Gcra::per_minute(60, 2);
        let mut tat = None;
        allowed(rule, &mut tat, 0, 2);
        let before = tat;
        assert_eq!(allowed(rule, &mut tat, 0, 100), 0);
        assert_eq!(tat, before, "refused requests cost nothing, so a client that waits is let in");
    }

    #[test]
    fn zero_settings_are_raised_to_one_and_huge_clocks_do_not_overflow() {
        let rule = Gcra::per_minute(0, 0);
        assert_eq!((rule.emission, rule.burst), (Duration::from_secs(60), 1));
        assert!(matches!(rule.decide(Some(u64::MAX), u64::MAX), RateDecision::Allowed { .. }));
    }
}
