//! Version-checked writes (`UPDATE ... WHERE id = $1 AND version = $2`):
//! when one writes nothing, why, and what that means to a caller.

use zonmart_domain::Version;
use zonmart_ports::RepoError;

/// Why a version-checked write wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unwritten {
    /// No such record.
    Missing,
    /// The record is at this other version.
    Conflict(i64),
}

impl Unwritten {
    /// Tells the two apart from the record's current version, read after
    /// the write found nothing to change.
    pub(crate) fn from_current(current: Option<i64>) -> Self {
        current.map_or(Unwritten::Missing, Unwritten::Conflict)
    }
}

/// The port's answer to a version-checked write.
pub(crate) fn version_checked(written: Result<(), Unwritten>) -> Result<(), RepoError> {
    match written {
        Ok(()) => Ok(()),
        Err(Unwritten::Missing) => Err(RepoError::NotFound),
        Err(Unwritten::Conflict(current)) => match Version::new(current) {
            Ok(current) => Err(RepoError::VersionConflict { current }),
            Err(e) => Err(RepoError::Internal(format!("stored version {current}: {e}"))),
        },
    }
}
