//! The outbox on the SQL database: the `events` rows every change's
//! transaction inserts ([`EventRow`], [`insert_event!`]), and the
//! `EventStore` the feed and the webhooks read them through.
//!
//! Exactly once, in commit order: on PostgreSQL each row carries its
//! transaction's id (`txid`, by default) and the feed is read in `(txid,
//! seq)` order, showing only rows whose `txid` is below the oldest
//! transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`).
//! Every transaction below that horizon has ended, so the rows shown are
//! final, and any transaction that commits later has a larger `txid` than
//! all of them: it lands after every position already handed out, never
//! before one. On SQLite write transactions are serialized, so the
//! autoincrement `seq` is already in commit order (`txid` is 0).

mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{EventFilter, FeedPosition, Timestamp};
use zonmart_ports::{EventStore, FeedPage, RepoError};

pub(crate) use self::rows::EventRow;
use crate::db::{with_conn, with_write_conn, Backend, Database};
use crate::schema::events;

/// What hides events of transactions that may still be running (see the
/// module docs); SQLite needs none.
const PG_HORIZON: &str = "txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

/// The condition that shows only final events on `db`'s backend.
pub(crate) fn horizon(db: &Database) -> &'static str {
    match db.backend() {
        Backend::Postgres { .. } => PG_HORIZON,
        Backend::Sqlite(_) => "1 = 1",
    }
}

/// The feed's events after `(group, seq)` below the `horizon`, in order,
/// at most `limit` (a boxed query, to filter further and `.load`): whole
/// [`EventRow`]s, or only the columns of `$select` (the webhook fan-out needs
/// no payloads).
macro_rules! feed_query {
    ($group:expr, $seq:expr, $horizon:expr, $limit:expr) => {
        $crate::event_store::feed_query!($group, $seq, $horizon, $limit, $crate::event_store::EventRow::as_select())
    };
    ($group:expr, $seq:expr, $horizon:expr, $limit:expr, $select:expr) => {{
        use $crate::schema::events;
        events::table
            .filter(events::txid.gt($group).or(events::txid.eq($group).and(events::seq.gt($seq))))
            .filter(::diesel::dsl::sql::<::diesel::sql_types::Bool>($horizon))
            .order((events::txid.asc(), events::seq.asc()))
            .limit($limit)
            .select($select)
            .into_boxed()
    }};
}
pub(crate) use feed_query;

/// Inserts an [`EventRow`] on `$conn` (inside the change's transaction):
/// `insert_event!(&row)` is the statement, to `.execute(conn)` or put in a flight.
macro_rules! insert_event {
    ($row:expr) => {
        ::diesel::insert_into($crate::schema::events::table).values($row).cached()
    };
}
pub(crate) use insert_event;

/// Reads the `events` table.
#[derive(Debug, Clone)]
pub struct SqlEventStore {
    db: Database,
}

impl SqlEventStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl EventStore for SqlEventStore {
    async fn feed(&self, after: FeedPosition, filter: &EventFilter, limit: u32) -> Result<FeedPage, RepoError> {
        let horizon = horizon(&self.db);
        let types: Option<Vec<&'static str>> = match filter {
            EventFilter::All => None,
            EventFilter::Only(kinds) => Some(kinds.iter().map(|k| k.as_str()).collect()),
        };
        let (group, seq) = (after.group, after.seq);
        let rows = with_conn!(self.db, |conn| {
            let mut query = feed_query!(group, seq, horizon, i64::from(limit));
            if let Some(types) = &types {
                query = query.filter(events::event_type.eq_any(types.clone()));
            }
            query.load(conn).await
        })?;
        let events = rows.into_iter().map(EventRow::into_positioned).collect::<Result<Vec<_>, _>>()?;
        let next = events.last().map_or(after, |(position, _)| *position);
        Ok(FeedPage { events, next })
    }

    async fn purge_before(&self, before: Timestamp) -> Result<u64, RepoError> {
        let before = before.naive_utc();
        let purged = with_write_conn!(self.db, |conn| {
            diesel::delete(events::table.filter(events::created_at.lt(before))).execute(conn).await
        })?;
        Ok(purged as u64)
    }
}
