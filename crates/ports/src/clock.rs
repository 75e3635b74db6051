//! The current time, behind a trait so tests move time instead of sleeping.

use zonmart_domain::Timestamp;

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC, at the precision the stores keep (microseconds).
    fn now(&self) -> Timestamp;
}
