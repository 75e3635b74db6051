//! Zonmart's adapters: the implementations of the ports.
//!
//! - [`clock`], [`ids`]: the real `Clock` and a monotonic ULID `IdGenerator`.

pub mod clock;
pub mod ids;

pub use clock::SystemClock;
pub use ids::UlidGenerator;
