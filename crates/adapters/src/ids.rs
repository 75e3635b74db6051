//! New ULIDs for records.

use std::sync::Mutex;

use ulid::{Generator, Ulid};
use zonmart_ports::IdGenerator;

/// Makes ULIDs that strictly increase, also within one millisecond, so ids
/// made by this process sort in the order they were made.
#[derive(Debug, Default)]
pub struct UlidGenerator {
    generator: Mutex<Generator>,
}

impl UlidGenerator {
    pub fn new() -> Self {
        Self::default()
    }
}

impl IdGenerator for UlidGenerator {
    fn generate(&self) -> Ulid {
        // A panic elsewhere while holding the lock leaves the generator's
        // state intact (it is one Ulid), so a poisoned lock is still usable.
        let mut generator = self.generator.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match generator.generate() {
            Ok(id) => id,
            // 2^80 ids in one millisecond: borrow from the next millisecond
            // rather than fail or go backwards.
            Err(overflow) => overflow.commit_overflow_increment(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_ids_strictly_increase() {
        let ids = UlidGenerator::new();
        let made: Vec<Ulid> = (0..1000).map(|_| ids.generate()).collect();
        assert!(made.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
