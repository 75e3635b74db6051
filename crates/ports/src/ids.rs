//! New record ids.

use ulid::Ulid;

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new ULID, strictly greater than every one this generator made before
    /// (monotonic within a millisecond).
    fn generate(&self) -> Ulid;
}
