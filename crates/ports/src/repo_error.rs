//! What a repository may answer instead of a result. Adapters translate their
//! database errors into these where they happen; nothing above them sees SQL
//! or driver errors.

use thiserror::Error;
use zonmart_domain::Version;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RepoError {
    /// No such record (or it was deleted).
    #[error("not found")]
    NotFound,
    /// The record exists but is no longer at the version the write stated.
    #[error("version conflict: current version is {current}")]
    VersionConflict { current: Version },
    /// A unique constraint refused the write; `field` names the client field.
    #[error("duplicate {field}")]
    Duplicate { field: String },
    /// The store cannot be reached or timed out; retrying later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a broken invariant, logged, never shown.
    #[error("store failure: {0}")]
    Internal(String),
}
