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

/// The sort value of the last item seen, for lists not sorted by id alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

/// Where the next page starts: the sort key (if the list is sorted by
/// something other than the id) and the id of the last item of the previous
/// page. Clients see it as an opaque string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    key: Option<SortKey>,
    id: Ulid,
}

impl Cursor {
    pub fn after(id: Ulid) -> Self {
        Self { key: None, id }
    }

    pub fn after_keyed(key: SortKey, id: Ulid) -> Self {
        Self { key: Some(key), id }
    }

    /// Parses what [`Cursor::encode`] produced: a bare ULID, or hex of
    /// `i:<ULID>:<n>` / `s:<ULID>:<text>`.
    pub fn parse(s: &str) -> Result<Self, InvalidCursor> {
        if let Ok(id) = parse_ulid(s) {
            return Ok(Self::after(id));
        }
        let decoded = decode_hex(s).ok_or(InvalidCursor)?;
        let (kind, rest) = decoded.split_once(':').ok_or(InvalidCursor)?;
        let (id, value) = rest.split_once(':').ok_or(InvalidCursor)?;
        let id = parse_ulid(id).map_err(|_| InvalidCursor)?;
        let key = match kind {
            "i" => SortKey::Int(value.parse().map_err(|_| InvalidCursor)?),
            // No stored text holds U+0000, and no database could compare it.
            "s" if !value.contains('\0') => SortKey::Text(value.to_owned()),
            _ => return Err(InvalidCursor),
        };
        Ok(Self::after_keyed(key, id))
    }

    pub fn id(&self) -> Ulid {
        self.id
    }

    pub fn key(&self) -> Option<&SortKey> {
        self.key.as_ref()
    }

    pub fn encode(&self) -> String {
        match &self.key {
            None => self.id.to_string(),
            Some(SortKey::Int(n)) => encode_hex(&format!("i:{}:{n}", self.id)),
            Some(SortKey::Text(t)) => encode_hex(&format!("s:{}:{t}", self.id)),
        }
    }
}

fn encode_hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect();
    String::from_utf8(bytes?).ok()
}

/// One page asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
    pub fn from_rows(rows: Vec<T>, limit: Limit, id_of: impl Fn(&T) -> Ulid) -> Self {
        Self::from_rows_keyed(rows, limit, |row| Cursor::after(id_of(row)))
    }

    /// Like [`Page::from_rows`], for lists whose cursor carries a sort key.
    pub fn from_rows_keyed(mut rows: Vec<T>, limit: Limit, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let limit = limit.get() as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next = if has_more { rows.last().map(cursor_of) } else { None };
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
        assert_eq!(Cursor::parse("abc"), Err(InvalidCursor));
    }

    #[test]
    fn a_text_cursor_holding_nul_is_refused() {
        let forged: String = format!("s:{}:a\0b", Ulid::from_parts(1, 1)).bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Cursor::parse(&forged), Err(InvalidCursor));
    }

    #[test]
    fn keyed_cursors_round_trip_with_their_sort_key() {
        let id = Ulid::from_parts(42, 7);
        for key in [SortKey::Int(-5), SortKey::Int(1999), SortKey::Text("Tea: green, 500g".into())] {
            let c = Cursor::after_keyed(key.clone(), id);
            let parsed = Cursor::parse(&c.encode()).unwrap();
            assert_eq!(parsed.key(), Some(&key));
            assert_eq!(parsed.id(), id);
        }
    }
}
