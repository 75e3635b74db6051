//! `OrderRepository` on the SQL database, PostgreSQL or SQLite alike.
//!
//! An order is a row of `orders` and its lines in `order_items`, written
//! once when it is placed ([`place`]); afterwards only its status changes.
//! Every write that moves stock is one transaction that touches products in
//! product-id order, so concurrent writers queue instead of deadlocking.

mod payments;
mod place;
mod quote;
mod rows;
mod statements;
mod status;

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Event, Order, OrderId, Page, PageRequest, Pricing, Timestamp, Version};
use zonmart_ports::{OrderFilter, OrderRepository, PaymentRecord, PlaceOrder, PlaceOrderError, Recorded, RepoError};

use self::rows::{OrderItemRow, OrderRow};
use self::status::{update_status, StatusColumns};
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{in_write_transaction, with_conn, with_write_conn, CacheStatement, Database, Rollback};
use crate::event_store::{insert_event, EventRow};
use crate::schema::{discount_codes, discount_customer_uses, order_items, orders, products};

/// Stores orders in the `orders` and `order_items` tables, and moves the
/// stock of `products` with them.
#[derive(Debug, Clone)]
pub struct SqlOrderRepository {
    db: Database,
}

impl SqlOrderRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The lines of the orders `$rows` (`&[OrderRow]`) in one query, not one
/// per order, in order and position order.
macro_rules! lines_of {
    ($rows:expr) => {{
        let ids: Vec<&str> =
            $rows.iter().map(|row: &$crate::order_repository::rows::OrderRow| row.id.as_str()).collect();
        $crate::schema::order_items::table
            .filter($crate::schema::order_items::order_id.eq_any(ids))
            .order(($crate::schema::order_items::order_id.asc(), $crate::schema::order_items::position.asc()))
            .select($crate::order_repository::rows::OrderItemRow::as_select())
    }};
}
use lines_of;

/// Orders from their rows and all their lines (as `lines_of!` loads them).
fn with_lines(rows: Vec<OrderRow>, lines: Vec<OrderItemRow>) -> Result<Vec<Order>, RepoError> {
    let mut lines_of: HashMap<String, Vec<OrderItemRow>> = HashMap::new();
    for line in lines {
        lines_of.entry(line.order_id.clone()).or_default().push(line);
    }
    rows.into_iter()
        .map(|row| {
            let lines = lines_of.remove(&row.id).unwrap_or_default();
            row.into_order(lines)
        })
        .collect()
}

#[async_trait]
impl OrderRepository for SqlOrderRepository {
    async fn place(&self, order: &PlaceOrder) -> Result<Order, PlaceOrderError> {
        place::place(&self.db, order).await
    }

    async fn quote(&self, order: &PlaceOrder) -> Result<Pricing, PlaceOrderError> {
        quote::quote(&self.db, order).await
    }

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError> {
        let id = id.to_string();
        // Lines never change once placed: reading them after the order row
        // cannot mix two states of one order.
        let found = with_conn!(self.db, |conn| {
            let Some(order) = orders::table.find(&id).select(OrderRow::as_select()).first(conn).await.optional()?
            else {
                return Ok(None);
            };
            let lines = order_items::table
                .filter(order_items::order_id.eq(&id))
                .order(order_items::position.asc())
                .select(OrderItemRow::as_select())
                .load(conn)
                .await?;
            Ok(Some((order, lines)))
        })?;
        found.map(|(order, lines)| order.into_order(lines)).transpose()
    }

    async fn list(&self, filter: &OrderFilter, page: PageRequest) -> Result<Page<Order>, RepoError> {
        // One row more than asked tells whether a next page exists.
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let user_id = filter.user_id.map(|id| id.to_string());
        let status = filter.status.map(|status| status.as_str());
        let (rows, lines) = with_conn!(self.db, |conn| {
            // ULIDs sort by creation time: newest first is id descending.
            let mut query =
                orders::table.select(OrderRow::as_select()).order(orders::id.desc()).limit(fetch).into_boxed();
            if let Some(user_id) = &user_id {
                query = query.filter(orders::user_id.eq(user_id.clone()));
            }
            if let Some(status) = status {
                query = query.filter(orders::status.eq(status));
            }
            if let Some(after) = &after {
                query = query.filter(orders::id.lt(after.clone()));
            }
            let rows = query.load(conn).await?;
            let lines = lines_of!(&rows).load(conn).await?;
            Ok((rows, lines))
        })?;
        let orders = with_lines(rows, lines)?;
        Ok(Page::from_rows(orders, page.limit, |order| order.id.ulid()))
    }

    async fn update_status(
        &self,
        order: &Order,
        expected: Version,
        restock: bool,
        event: &Event,
    ) -> Result<(), RepoError> {
        let columns = StatusColumns::of(order);
        let id = columns.id.clone();
        let updated_at = columns.updated_at;
        let event = EventRow::from_event(event);
        let expected = expected.get();
        let written = in_write_transaction!(self.db, |conn| {
            let written = update_status!(&columns, expected).execute(conn).await?;
            if written == 0 {
                let current = orders::table.find(&id).select(orders::version).first::<i64>(conn).await.optional()?;
                return Err(Rollback::Refused(Unwritten::from_current(current)));
            }
            if restock {
                // The stored lines, not the caller's copy, say what goes back.
                let mut lines = order_items::table
                    .filter(order_items::order_id.eq(&id))
                    .select((order_items::product_id, order_items::quantity))
                    .load::<(String, i64)>(conn)
                    .await?;
                // Canonical ULID strings sort as the ids do: product-id order,
                // the one every stock writer locks in.
                lines.sort();
                for (product_id, quantity) in &lines {
                    diesel::update(products::table.find(product_id))
                        .set((
                            products::stock.eq(products::stock + quantity),
                            products::version.eq(products::version + 1),
                            products::updated_at.eq(updated_at),
                        ))
                        .cached()
                        .execute(conn)
                        .await?;
                }
                // The discount use goes back after the stock: the lock
                // order placing keeps (products, then the code).
                let (discount_id, customer) = orders::table
                    .find(&id)
                    .select((orders::discount_id, orders::user_id))
                    .first::<(Option<String>, String)>(conn)
                    .await?;
                if let Some(discount_id) = discount_id {
                    diesel::update(discount_codes::table.find(&discount_id))
                        .set(discount_codes::uses.eq(discount_codes::uses - 1))
                        .cached()
                        .execute(conn)
                        .await?;
                    diesel::update(
                        discount_customer_uses::table
                            .filter(discount_customer_uses::discount_id.eq(&discount_id))
                            .filter(discount_customer_uses::user_id.eq(&customer)),
                    )
                    .set(discount_customer_uses::uses.eq(discount_customer_uses::uses - 1))
                    .cached()
                    .execute(conn)
                    .await?;
                }
            }
            // The outbox: the status change's event commits with it.
            insert_event!(&event).execute(conn).await?;
            Ok(())
        })?;
        version_checked(written)
    }

    async fn record_payment(&self, record: &PaymentRecord) -> Result<Recorded, RepoError> {
        payments::record_payment(&self.db, record).await
    }

    async fn list_unpaid_before(&self, cutoff: Timestamp, limit: u32) -> Result<Vec<Order>, RepoError> {
        payments::list_unpaid_before(&self.db, cutoff, limit).await
    }

    async fn delete(&self, id: OrderId, expected: Version) -> Result<(), RepoError> {
        let id = id.to_string();
        let expected = expected.get();
        // The lines go with the order (ON DELETE CASCADE).
        let deleted = with_write_conn!(self.db, |conn| {
            let deleted =
                diesel::delete(orders::table.find(&id).filter(orders::version.eq(expected))).execute(conn).await?;
            if deleted > 0 {
                return Ok(Ok(()));
            }
            // Nothing deleted: tell a missing order from a stale version.
            let current = orders::table.find(&id).select(orders::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(deleted)
    }
}
