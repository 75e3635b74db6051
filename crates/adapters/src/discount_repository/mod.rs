//! `DiscountRepository` on the SQL database: the admin's side of discount
//! codes. `uses` is moved only by orders (`order_repository`), in their own
//! transactions, never by these writes.

mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Discount, DiscountId, Page, PageRequest, Version};
use zonmart_ports::{DiscountRepository, RepoError};

use self::rows::DiscountChangeset;
pub(crate) use self::rows::DiscountRow;
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{with_conn, with_write_conn, CacheStatement, Database};
use crate::schema::discount_codes;

#[derive(Debug, Clone)]
pub struct SqlDiscountRepository {
    db: Database,
}

impl SqlDiscountRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The first string after every string starting with `prefix` (codes are
/// ASCII), so a prefix match is a range the unique index serves.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{7f}")
}

#[async_trait]
impl DiscountRepository for SqlDiscountRepository {
    async fn insert(&self, discount: &Discount) -> Result<(), RepoError> {
        let row = DiscountRow::from_discount(discount);
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(discount_codes::table).values(&row).cached().execute(conn).await.map(|_| ())
        })
    }

    async fn find(&self, id: DiscountId) -> Result<Option<Discount>, RepoError> {
        let id = id.to_string();
        let row = with_conn!(self.db, |conn| {
            discount_codes::table.find(&id).select(DiscountRow::as_select()).first(conn).await.optional()
        })?;
        row.map(Discount::try_from).transpose()
    }

    async fn list(&self, prefix: Option<String>, page: PageRequest) -> Result<Page<Discount>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let rows = with_conn!(self.db, |conn| {
            let mut query = discount_codes::table
                .select(DiscountRow::as_select())
                .order(discount_codes::id.desc())
                .limit(fetch)
                .into_boxed();
            if let Some(prefix) = &prefix {
                query = query
                    .filter(discount_codes::code.ge(prefix.clone()))
                    .filter(discount_codes::code.lt(prefix_end(prefix)));
            }
            if let Some(after) = &after {
                query = query.filter(discount_codes::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let items = rows.into_iter().map(Discount::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |d| d.id.ulid()))
    }

    async fn update(&self, discount: &Discount, expected: Version) -> Result<(), RepoError> {
        let id = discount.id.to_string();
        let changes = DiscountChangeset::from_discount(discount);
        let expected = expected.get();
        let written = with_write_conn!(self.db, |conn| {
            let written = diesel::update(discount_codes::table.find(&id).filter(discount_codes::version.eq(expected)))
                .set(&changes)
                .cached()
                .execute(conn)
                .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            let current =
                discount_codes::table.find(&id).select(discount_codes::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(written)
    }
}
