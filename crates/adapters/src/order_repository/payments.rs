//! Payments on the SQL database: a provider event's id recorded in the same
//! transaction as its effect on the order, and the unpaid orders to expire.
//!
//! The event id's primary key makes a replay, even a concurrent one, write
//! nothing: the second insert waits for the first transaction and then finds
//! the id taken. The effect is version-checked like every order write, so a
//! payment and a cancel racing on one order cannot both win.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use ulid::Ulid;
use zonmart_domain::{Order, OrderStatus, Timestamp};
use zonmart_ports::{PaymentRecord, PaymentWrite, Recorded, RepoError};

use super::rows::OrderRow;
use super::status::{update_status, StatusColumns};
use super::{lines_of, with_lines};
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{in_write_transaction, with_conn, CacheStatement, Database, Rollback};
use crate::event_store::{insert_event, EventRow};
use crate::schema::{orders, payment_events};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payment_events)]
struct PaymentEventRow {
    id: String,
    order_id: String,
    outcome: &'static str,
    received_at: NaiveDateTime,
}

/// Why recording wrote nothing.
enum Unrecorded {
    Replay,
    Order(Unwritten),
}

pub(super) async fn record_payment(db: &Database, record: &PaymentRecord) -> Result<Recorded, RepoError> {
    let (expected, columns, event, outcome) = match &record.effect {
        PaymentWrite::Paid { order, expected, event } => {
            (expected.get(), Some(StatusColumns::of(order)), Some(EventRow::from_event(event)), "paid")
        }
        PaymentWrite::NeedsAttention { expected, reason, event } => {
            (expected.get(), None, Some(EventRow::from_event(event)), reason.as_str())
        }
        PaymentWrite::AlreadyApplied { expected } => (expected.get(), None, None, "already_applied"),
    };
    let order_id = record.order_id.to_string();
    let row = PaymentEventRow {
        id: record.event_id.as_str().to_owned(),
        order_id: order_id.clone(),
        outcome,
        received_at: record.received_at.naive_utc(),
    };
    let recorded = in_write_transaction!(db, |conn| {
        let inserted =
            diesel::insert_into(payment_events::table).values(&row).on_conflict_do_nothing().execute(conn).await?;
        if inserted == 0 {
            return Err(Rollback::Refused(Unrecorded::Replay));
        }
        let written = match &columns {
            Some(columns) => update_status!(columns, expected).execute(conn).await?,
            // The order stays as it is: this only checks it is still at the
            // version the decision was made on, and holds it until commit.
            None => {
                diesel::update(orders::table.find(&order_id).filter(orders::version.eq(expected)))
                    .set(orders::version.eq(orders::version))
                    .cached()
                    .execute(conn)
                    .await?
            }
        };
        if written == 0 {
            let current = orders::table.find(&order_id).select(orders::version).first::<i64>(conn).await.optional()?;
            return Err(Rollback::Refused(Unrecorded::Order(Unwritten::from_current(current))));
        }
        if let Some(event) = &event {
            insert_event!(event).execute(conn).await?;
        }
        Ok(())
    })?;
    match recorded {
        Ok(()) => Ok(Recorded::New),
        Err(Unrecorded::Replay) => Ok(Recorded::Replay),
        Err(Unrecorded::Order(unwritten)) => version_checked(Err(unwritten)).map(|()| Recorded::New),
    }
}

pub(super) async fn list_unpaid_before(db: &Database, cutoff: Timestamp, limit: u32) -> Result<Vec<Order>, RepoError> {
    // An order's id is a ULID whose first 48 bits are when it was placed:
    // bounding the id keeps the scan of `orders_status_idx (status, id)` to
    // the old orders (with a second's margin); `created_at` decides exactly.
    let placed_ms = u64::try_from(cutoff.timestamp_millis()).unwrap_or(0);
    let id_bound = Ulid::from_parts(placed_ms.saturating_add(1000), 0).to_string();
    let cutoff = cutoff.naive_utc();
    let pending = OrderStatus::Pending.as_str();
    let (rows, lines) = with_conn!(db, |conn| {
        let rows = orders::table
            .select(OrderRow::as_select())
            .filter(orders::status.eq(pending))
            .filter(orders::id.lt(&id_bound))
            .filter(orders::created_at.lt(cutoff))
            .order(orders::id.asc())
            .limit(i64::from(limit))
            .load(conn)
            .await?;
        let lines = lines_of!(&rows).load(conn).await?;
        Ok((rows, lines))
    })?;
    with_lines(rows, lines)
}
