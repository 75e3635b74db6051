//! Keyset pagination: a page size and the position after which the next page
//! starts. Never OFFSET, so pages stay stable while rows are added.

use thiserror::Error;
use ulid::Ulid;

use crate::ids::parse_ulid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be between 1 and 100")]
pub struct InvalidLimit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("is not a cursor this API handed out")]
pub struct InvalidCursor;

/// How many items a page holds: 1..=100, 20 unless asked otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    pub const MAX: u32 = 100;

    pub fn new(value: i64) -> Result<Self, InvalidLimit> {
        if (1..=Self::MAX as i64).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(InvalidLimit)
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(20)
    }
}

/// Where the next page starts: the id of the last item of the previous page.
/// Clients see it as an opaque string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(Ulid);

impl Cursor {
    pub fn after(id: Ulid) -> Self {
        Self(id)
    }

    pub fn parse(s: &str) -> Result<Self, InvalidCursor> {
        parse_ulid(s).map(Self).map_err(|_| InvalidCursor)
    }

    pub fn id(self) -> Ulid {
        self.0
    }

    pub fn encode(self) -> String {
        self.0.to_string()
    }
}

/// One page asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageRequest {
    pub limit: Limit,
    pub after: Option<Cursor>,
}

/// One page of results, newest first, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in order: the extra
    /// row only tells that there is a next page.
    pub fn from_rows(mut rows: Vec<T>, limit: Limit, id_of: impl Fn(&T) -> Ulid) -> Self {
        let limit = limit.get() as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next = if has_more { rows.last().map(|last| Cursor::after(id_of(last))) } else { None };
        Page { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_to_twenty_and_stays_within_one_to_a_hundred() {
        assert_eq!(Limit::default().get(), 20);
        assert!(Limit::new(0).is_err());
        assert!(Limit::new(101).is_err());
        assert_eq!(Limit::new(100).unwrap().get(), 100);
    }

    #[test]
    fn an_extra_row_means_a_next_page_starting_after_the_last_kept_item() {
        let ids: Vec<Ulid> = (0..4).map(|n| Ulid::from_parts(n, 0)).collect();
        let page = Page::from_rows(ids.clone(), Limit::new(3).unwrap(), |u| *u);
        assert_eq!(page.items.len(), 3);
        assert_eq!(page.next, Some(Cursor::after(ids[2])));
    }

    #[test]
    fn no_extra_row_means_the_last_page() {
        let ids: Vec<Ulid> = (0..3).map(|n| Ulid::from_parts(n, 0)).collect();
        let page = Page::from_rows(ids, Limit::new(3).unwrap(), |u| *u);
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let c = Cursor::after(Ulid::from_parts(42, 7));
        assert_eq!(Cursor::parse(&c.encode()), Ok(c));
        assert_eq!(Cursor::parse("nope"), Err(InvalidCursor));
    }
}
