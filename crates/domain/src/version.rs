//! Record versions and the optimistic-locking rule.
//!
//! Every resource starts at version 1 and gains one on every change. A writer
//! states the version it read; the write happens only if that is still the
//! current version. Adapters enforce the rule atomically
//! (`UPDATE ... WHERE id = $1 AND version = $2`); `Version::check` is the same
//! rule for code that already holds the current record.

use std::fmt;
use thiserror::Error;

/// A record's version: 1 on create, +1 on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i64);

/// The stated version is not the current one: someone else wrote first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the record was changed by someone else: its current version is {current}")]
pub struct VersionConflict {
    pub current: Version,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be a whole number of at least 1")]
pub struct InvalidVersion;

impl Version {
    /// The version of every new record.
    pub const INITIAL: Version = Version(1);

    /// The greatest version, which no record reaches in practice: what a
    /// stated version that names none is compared as, so it never matches.
    pub const MAX: Version = Version(i64::MAX);

    pub fn new(value: i64) -> Result<Self, InvalidVersion> {
        if value >= 1 {
            Ok(Self(value))
        } else {
            Err(InvalidVersion)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// The version a change produces.
    pub fn next(self) -> Version {
        Version(self.0.saturating_add(1))
    }

    /// The optimistic-locking rule: a write stated against `expected` may
    /// proceed only while the record is still at `expected`.
    pub fn check(expected: Version, current: Version) -> Result<(), VersionConflict> {
        if expected == current {
            Ok(())
        } else {
            Err(VersionConflict { current })
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_record_is_at_version_one_and_each_change_adds_one() {
        assert_eq!(Version::INITIAL.get(), 1);
        assert_eq!(Version::INITIAL.next().get(), 2);
    }

    #[test]
    fn versions_below_one_do_not_exist() {
        assert_eq!(Version::new(0), Err(InvalidVersion));
        assert_eq!(Version::new(-3), Err(InvalidVersion));
        assert!(Version::new(1).is_ok());
    }

    #[test]
    fn the_current_version_passes_the_check() {
        let v = Version::new(4).unwrap();
        assert_eq!(Version::check(v, v), Ok(()));
    }

    #[test]
    fn a_stale_version_is_refused_naming_the_current_one() {
        let stale = Version::new(2).unwrap();
        let current = Version::new(3).unwrap();
        assert_eq!(Version::check(stale, current), Err(VersionConflict { current }));
    }

    #[test]
    fn a_version_from_the_future_is_refused_too() {
        let ahead = Version::new(9).unwrap();
        let current = Version::new(3).unwrap();
        assert!(Version::check(ahead, current).is_err());
    }
}
