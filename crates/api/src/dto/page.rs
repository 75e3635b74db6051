//! The list envelope and query parameters every collection shares.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{Cursor, Limit, Page, PageRequest, ValidationErrors};

/// `limit` and `cursor` of every `GET` collection.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn check(&self, errors: &mut ValidationErrors) -> PageRequest {
        let limit = self.limit.map(Limit::new).map(|l| errors.check("limit", l)).unwrap_or(Some(Limit::default()));
        let after = self.cursor.as_deref().and_then(|c| errors.check("cursor", Cursor::parse(c)));
        PageRequest { limit: limit.unwrap_or_default(), after }
    }
}

/// One page of a collection, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> PageBody<T> {
    pub fn from_page<D>(page: Page<D>, f: impl FnMut(D) -> T) -> Self {
        let next_cursor = page.next.as_ref().map(Cursor::encode);
        PageBody { items: page.items.into_iter().map(f).collect(), next_cursor }
    }
}
