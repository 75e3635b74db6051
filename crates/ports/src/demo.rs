//! What the demo seeder must know before it writes: whether the store holds
//! anything, and whether the demo made it (its marker).

use async_trait::async_trait;
use zonmart_domain::Timestamp;

use crate::RepoError;

/// Written once, when the demo starts on a database: it is the proof that
/// the demo, not a shop owner, made what the database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMarker {
    /// The demo's admin, named in the start-up log.
    pub admin_username: String,
    pub created_at: Timestamp,
}

/// What the store holds, as far as the demo cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSurvey {
    /// Any user or any product (archived ones too).
    pub has_data: bool,
    pub marker: Option<DemoMarker>,
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DemoMarkerStore: Send + Sync {
    async fn survey(&self) -> Result<StoreSurvey, RepoError>;
    /// Writes the marker unless one is there (the first one stays).
    async fn mark(&self, marker: &DemoMarker) -> Result<(), RepoError>;
}
