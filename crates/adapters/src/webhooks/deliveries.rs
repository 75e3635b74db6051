//! `DeliveryStore` on the SQL database.
//!
//! Fan-out: one transaction locks the single `webhook_fanout` row (on
//! PostgreSQL with `SKIP LOCKED`, so a second process goes on at once
//! instead of waiting), reads the feed past it (the same exactly-once
//! horizon as `GET /api/v1/events`), inserts a delivery per wanting
//! subscription (unique per subscription and event) and moves the row.
//!
//! Claiming: candidates are read (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so
//! processes take different rows), and each is taken by a conditional
//! `UPDATE … SET lease_until = now + lease WHERE lease_until IS NULL OR
//! lease_until < now`: of two processes only one writes it, and nobody else
//! gets it until the lease ends, which is longer than a send can take.

use async_trait::async_trait;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp as SqlTimestamp};
use diesel_async::RunQueryDsl;
use ulid::Ulid;
use zonmart_domain::ids::parse_ulid;
use zonmart_domain::{
    Delivery, DeliveryStatus, EventId, EventType, Page, PageRequest, Timestamp, WebhookId, WebhookUrl,
};
use zonmart_ports::{DeliveryCounts, DeliveryStore, DueDelivery, RepoError};

use super::WebhookRow;
use crate::db::errors::corrupt;
use crate::db::{in_write_transaction, with_conn, with_write_conn, Backend, Database, Rollback};
use crate::event_store::{feed_query, horizon, EventRow};
use crate::schema::{events, webhook_deliveries, webhook_fanout, webhooks};

/// Stores deliveries in `webhook_deliveries`.
#[derive(Debug, Clone)]
pub struct SqlDeliveryStore {
    db: Database,
}

impl SqlDeliveryStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    fn postgres(&self) -> bool {
        matches!(self.db.backend(), Backend::Postgres { .. })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct DeliveryRow {
    id: String,
    webhook_id: String,
    event_id: String,
    event_type: String,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    next_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl DeliveryRow {
    fn into_delivery(self) -> Result<Delivery, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("delivery", &self.id, name, e);
        Ok(Delivery {
            id: parse_ulid(&self.id).map_err(|e| field("id", &e))?,
            webhook_id: WebhookId::parse(&self.webhook_id).map_err(|e| field("webhook_id", &e))?,
            event_id: EventId::parse(&self.event_id).map_err(|e| field("event_id", &e))?,
            event_type: self.event_type.parse::<EventType>().map_err(|e| field("event_type", &e))?,
            status: self.status.parse::<DeliveryStatus>().map_err(|e| field("status", &e))?,
            attempts: self.attempts,
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            next_attempt_at: self.next_attempt_at.map(|t| t.and_utc()),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    txid: i64,
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

#[derive(Debug, QueryableByName)]
struct Candidate {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Deliveries inserted by one statement of the fan-out on PostgreSQL: 11
/// parameters each, well under its 65,535.
const FAN_OUT_INSERT_ROWS: usize = 1000;

/// Writes the deliveries a fan-out made, each at most once per subscription
/// and event: on PostgreSQL one multi-row statement per chunk (rather than a
/// round trip per delivery); on SQLite row by row, as diesel cannot combine
/// its multi-row insert with `ON CONFLICT` there (and in-process calls have
/// no round trips to save).
trait InsertDeliveries {
    async fn insert_deliveries(&mut self, rows: &[DeliveryRow]) -> QueryResult<()>;
}

impl InsertDeliveries for diesel_async::AsyncPgConnection {
    async fn insert_deliveries(&mut self, rows: &[DeliveryRow]) -> QueryResult<()> {
        for chunk in rows.chunks(FAN_OUT_INSERT_ROWS) {
            diesel::insert_into(webhook_deliveries::table).values(chunk).on_conflict_do_nothing().execute(self).await?;
        }
        Ok(())
    }
}

impl InsertDeliveries for diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection> {
    async fn insert_deliveries(&mut self, rows: &[DeliveryRow]) -> QueryResult<()> {
        for row in rows {
            diesel::insert_into(webhook_deliveries::table).values(row).on_conflict_do_nothing().execute(self).await?;
        }
        Ok(())
    }
}

/// What the fan-out needs of an event: where it stands in the feed, and
/// which subscriptions want it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct FanoutEntry {
    txid: i64,
    seq: i64,
    id: String,
    event_type: String,
    created_at: NaiveDateTime,
}

const LOCK_FANOUT_PG: &str = "SELECT txid, seq FROM webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED";
const LOCK_FANOUT_SQLITE: &str = "SELECT txid, seq FROM webhook_fanout WHERE id = 1";
const CANDIDATES_PG: &str = "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until < $1) \
     AND w.enabled ORDER BY d.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED";
const CANDIDATES_SQLITE: &str = "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
     WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until < ?1) \
     AND w.enabled ORDER BY d.next_attempt_at LIMIT ?2";

#[async_trait]
impl DeliveryStore for SqlDeliveryStore {
    async fn fan_out(&self, now: Timestamp, limit: u32) -> Result<u64, RepoError> {
        let lock = if self.postgres() { LOCK_FANOUT_PG } else { LOCK_FANOUT_SQLITE };
        let horizon = horizon(&self.db);
        let now = now.naive_utc();
        let ids = crate::UlidGenerator::default();
        let passed = in_write_transaction!(self.db, |conn| {
            let Some(at) = diesel::sql_query(lock).get_result::<Position>(conn).await.optional()? else {
                return Ok(0_u64);
            };
            // Fanning out reads what each event is, never its payload: the
            // pass runs beside every order, and the payloads are most of
            // the table.
            let rows = feed_query!(at.txid, at.seq, horizon, i64::from(limit), FanoutEntry::as_select())
                .load::<FanoutEntry>(conn)
                .await?;
            let Some(last) = rows.last() else { return Ok(0) };
            let (last_txid, last_seq) = (last.txid, last.seq);
            let hooks = webhooks::table
                .filter(webhooks::enabled.eq(true))
                .select(WebhookRow::as_select())
                .load::<WebhookRow>(conn)
                .await?
                .into_iter()
                .filter_map(|row| row.into_webhook().ok())
                .collect::<Vec<_>>();
            let mut deliveries = Vec::new();
            for row in &rows {
                let Ok(kind) = row.event_type.parse::<EventType>() else { continue };
                let at = row.created_at.and_utc();
                for hook in hooks.iter().filter(|hook| hook.wants(kind, at)) {
                    deliveries.push(DeliveryRow {
                        id: zonmart_ports::IdGenerator::generate(&ids).to_string(),
                        webhook_id: hook.id.to_string(),
                        event_id: row.id.clone(),
                        event_type: row.event_type.clone(),
                        status: DeliveryStatus::Pending.as_str().to_owned(),
                        attempts: 0,
                        last_status_code: None,
                        last_error: None,
                        next_attempt_at: Some(now),
                        created_at: now,
                        updated_at: now,
                    });
                }
            }
            InsertDeliveries::insert_deliveries(conn, &deliveries).await?;
            diesel::update(webhook_fanout::table.find(1))
                .set((webhook_fanout::txid.eq(last_txid), webhook_fanout::seq.eq(last_seq)))
                .execute(conn)
                .await?;
            Ok::<_, Rollback<std::convert::Infallible>>(rows.len() as u64)
        })?;
        passed.map_err(|never| match never {})
    }

    async fn claim_due(&self, now: Timestamp, lease: Duration, limit: u32) -> Result<Vec<DueDelivery>, RepoError> {
        let candidates = if self.postgres() { CANDIDATES_PG } else { CANDIDATES_SQLITE };
        let (now, until) = (now.naive_utc(), (now + lease).naive_utc());
        // Four statements whatever the batch: the candidates, the lease taken
        // on all of them at once, then their subscriptions and their events.
        let claimed = in_write_transaction!(self.db, |conn| {
            let candidates = diesel::sql_query(candidates)
                .bind::<SqlTimestamp, _>(now)
                .bind::<BigInt, _>(i64::from(limit))
                .load::<Candidate>(conn)
                .await?
                .into_iter()
                .map(|Candidate { id }| id)
                .collect::<Vec<_>>();
            if candidates.is_empty() {
                return Ok(Vec::new());
            }
            let taken = diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::id.eq_any(&candidates))
                    .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
                    .filter(webhook_deliveries::lease_until.is_null().or(webhook_deliveries::lease_until.lt(now))),
            )
            .set(webhook_deliveries::lease_until.eq(Some(until)))
            .returning(webhook_deliveries::id)
            .get_results::<String>(conn)
            .await?;
            let deliveries = webhook_deliveries::table
                .inner_join(webhooks::table)
                .filter(webhook_deliveries::id.eq_any(&taken))
                .select((DeliveryRow::as_select(), webhooks::url, webhooks::secret))
                .load::<(DeliveryRow, String, String)>(conn)
                .await?;
            let event_ids = deliveries.iter().map(|(d, _, _)| d.event_id.clone()).collect::<Vec<_>>();
            let events = events::table
                .filter(events::id.eq_any(&event_ids))
                .select(EventRow::as_select())
                .load::<EventRow>(conn)
                .await?
                .into_iter()
                .map(|row| (row.id.clone(), row))
                .collect::<std::collections::HashMap<_, _>>();
            let claimed = deliveries
                .into_iter()
                .map(|(delivery, url, secret)| {
                    // One event may go to several subscriptions.
                    let event = events.get(&delivery.event_id).cloned();
                    (delivery, url, secret, event)
                })
                .collect::<Vec<_>>();
            Ok::<_, Rollback<std::convert::Infallible>>(claimed)
        })?
        .map_err(|never| match never {})?;
        let mut due = Vec::with_capacity(claimed.len());
        for (delivery, url, secret, event) in claimed {
            let delivery = delivery.into_delivery()?;
            let Some(event) = event else {
                // Purged before it could be sent: nothing to send any more.
                tracing::warn!(delivery_id = %delivery.id, "a delivery's event is gone");
                continue;
            };
            let (_, event) = event.into_positioned()?;
            let url =
                WebhookUrl::parse(&url).map_err(|e| corrupt("webhook", &delivery.webhook_id.to_string(), "url", &e))?;
            due.push(DueDelivery { delivery, url, secret, event });
        }
        Ok(due)
    }

    async fn record(&self, delivery: &Delivery) -> Result<(), RepoError> {
        let id = delivery.id.to_string();
        let status = delivery.status.as_str();
        let (attempts, code, error) = (delivery.attempts, delivery.last_status_code, delivery.last_error.clone());
        let next = delivery.next_attempt_at.map(|t| t.naive_utc());
        let updated_at = delivery.updated_at.naive_utc();
        with_write_conn!(self.db, |conn| {
            diesel::update(webhook_deliveries::table.find(&id))
                .set((
                    webhook_deliveries::status.eq(status),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::last_status_code.eq(code),
                    webhook_deliveries::last_error.eq(&error),
                    webhook_deliveries::next_attempt_at.eq(next),
                    webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
                    webhook_deliveries::updated_at.eq(updated_at),
                ))
                .execute(conn)
                .await
                .map(|_| ())
        })
    }

    async fn list(
        &self,
        webhook_id: WebhookId,
        status: Option<DeliveryStatus>,
        page: PageRequest,
    ) -> Result<Page<Delivery>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let webhook_id = webhook_id.to_string();
        let status = status.map(DeliveryStatus::as_str);
        let rows = with_conn!(self.db, |conn| {
            let mut query = webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(webhook_id.clone()))
                .select(DeliveryRow::as_select())
                .order(webhook_deliveries::id.desc())
                .limit(fetch)
                .into_boxed();
            if let Some(status) = status {
                query = query.filter(webhook_deliveries::status.eq(status));
            }
            if let Some(after) = &after {
                query = query.filter(webhook_deliveries::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let deliveries = rows.into_iter().map(DeliveryRow::into_delivery).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(deliveries, page.limit, |d| d.id))
    }

    async fn retry(&self, webhook_id: WebhookId, delivery_id: Ulid, now: Timestamp) -> Result<(), RepoError> {
        let (webhook_id, id, now) = (webhook_id.to_string(), delivery_id.to_string(), now.naive_utc());
        let written = with_write_conn!(self.db, |conn| {
            diesel::update(webhook_deliveries::table.find(&id).filter(webhook_deliveries::webhook_id.eq(&webhook_id)))
                .set((
                    webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                    webhook_deliveries::next_attempt_at.eq(Some(now)),
                    webhook_deliveries::updated_at.eq(now),
                ))
                .execute(conn)
                .await
        })?;
        if written == 0 {
            Err(RepoError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn purge_finished(&self, before: Timestamp) -> Result<u64, RepoError> {
        let before = before.naive_utc();
        let purged = with_write_conn!(self.db, |conn| {
            diesel::delete(
                webhook_deliveries::table
                    .filter(webhook_deliveries::status.ne(DeliveryStatus::Pending.as_str()))
                    .filter(webhook_deliveries::updated_at.lt(before)),
            )
            .execute(conn)
            .await
        })?;
        Ok(purged as u64)
    }

    async fn counts(&self) -> Result<DeliveryCounts, RepoError> {
        let (by_status, position) = with_conn!(self.db, |conn| {
            let by_status = webhook_deliveries::table
                .group_by(webhook_deliveries::status)
                .select((webhook_deliveries::status, diesel::dsl::count_star()))
                .load::<(String, i64)>(conn)
                .await?;
            let position = webhook_fanout::table
                .find(1)
                .select((webhook_fanout::txid, webhook_fanout::seq))
                .first::<(i64, i64)>(conn)
                .await
                .optional()?;
            Ok((by_status, position))
        })?;
        let (txid, seq) = position.unwrap_or_default();
        let backlog = with_conn!(self.db, |conn| {
            events::table
                .filter(events::txid.gt(txid).or(events::txid.eq(txid).and(events::seq.gt(seq))))
                .count()
                .get_result::<i64>(conn)
                .await
        })?;
        let mut counts = DeliveryCounts { backlog: backlog as u64, ..DeliveryCounts::default() };
        for (status, n) in by_status {
            let n = n as u64;
            match status.as_str() {
                "pending" => counts.pending = n,
                "succeeded" => counts.succeeded = n,
                "failed" => counts.failed = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}
