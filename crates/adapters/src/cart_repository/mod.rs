//! `CartRepository` on the SQL database, PostgreSQL or SQLite alike.
//!
//! A cart is a row of `carts` (one per user, by a unique index) and its lines
//! in `cart_items`. Saving checks the version in the `UPDATE` of the cart row
//! and replaces the lines in the same transaction, so a cart is never seen
//! half-saved and of two writers holding one version only one wins.

mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Cart, UserId, Version};
use zonmart_ports::{CartRepository, RepoError};

use self::rows::{CartItemRow, CartRow};
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{in_write_transaction, with_conn, CacheStatement, Database, Rollback};
use crate::schema::{cart_items, carts};

/// Stores carts in the `carts` and `cart_items` tables.
#[derive(Debug, Clone)]
pub struct SqlCartRepository {
    db: Database,
}

impl SqlCartRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CartRepository for SqlCartRepository {
    async fn find_by_user(&self, user_id: UserId) -> Result<Option<Cart>, RepoError> {
        let user_id = user_id.to_string();
        // One statement, so the cart and its lines come from one snapshot
        // even while a save replaces them.
        let rows = with_conn!(self.db, |conn| {
            carts::table
                .left_join(cart_items::table)
                .filter(carts::user_id.eq(&user_id))
                .order(cart_items::position.asc())
                .select((CartRow::as_select(), (cart_items::product_id, cart_items::quantity).nullable()))
                .load::<(CartRow, Option<(String, i64)>)>(conn)
                .await
        })?;
        let mut rows = rows.into_iter();
        let Some((cart, first)) = rows.next() else { return Ok(None) };
        let lines = first.into_iter().chain(rows.filter_map(|(_, line)| line)).collect();
        cart.into_cart(lines).map(Some)
    }

    async fn insert(&self, cart: &Cart) -> Result<(), RepoError> {
        let (row, items) = (CartRow::from_cart(cart), CartItemRow::from_cart(cart));
        let inserted: Result<(), std::convert::Infallible> = in_write_transaction!(self.db, |conn| {
            diesel::insert_into(carts::table).values(&row).cached().execute(conn).await?;
            for item in &items {
                diesel::insert_into(cart_items::table).values(item).cached().execute(conn).await?;
            }
            Ok(())
        })?;
        inserted.map_err(|never| match never {})
    }

    async fn save(&self, cart: &Cart, expected: Version) -> Result<(), RepoError> {
        let id = cart.id.to_string();
        let (version, updated_at) = (cart.version.get(), cart.updated_at.naive_utc());
        let items = CartItemRow::from_cart(cart);
        let expected = expected.get();
        let written = in_write_transaction!(self.db, |conn| {
            // The version check, and the row lock that keeps a concurrent
            // save (or an order emptying this cart) out until we commit.
            let written = diesel::update(carts::table.find(&id).filter(carts::version.eq(expected)))
                .set((carts::version.eq(version), carts::updated_at.eq(updated_at)))
                .cached()
                .execute(conn)
                .await?;
            if written == 0 {
                let current = carts::table.find(&id).select(carts::version).first::<i64>(conn).await.optional()?;
                return Err(Rollback::Refused(Unwritten::from_current(current)));
            }
            diesel::delete(cart_items::table.filter(cart_items::cart_id.eq(&id))).execute(conn).await?;
            // One INSERT per line (at most 100): diesel's multi-row INSERT
            // exists for SQLite only on its synchronous connection.
            for item in &items {
                diesel::insert_into(cart_items::table).values(item).cached().execute(conn).await?;
            }
            Ok(())
        })?;
        version_checked(written)
    }
}
