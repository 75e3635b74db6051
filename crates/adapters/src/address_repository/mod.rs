//! `AddressRepository` on the SQL database: customers' saved addresses.
//! Deleting removes the row; orders keep their own copy.

mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{AddressId, Page, PageRequest, SavedAddress, UserId, Version};
use zonmart_ports::{AddressRepository, RepoError};

use self::rows::AddressChangeset;
pub(crate) use self::rows::AddressRow;
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{with_conn, with_write_conn, CacheStatement, Database};
use crate::schema::addresses;

#[derive(Debug, Clone)]
pub struct SqlAddressRepository {
    db: Database,
}

impl SqlAddressRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AddressRepository for SqlAddressRepository {
    async fn insert(&self, address: &SavedAddress) -> Result<(), RepoError> {
        let row = AddressRow::from_address(address);
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(addresses::table).values(&row).cached().execute(conn).await.map(|_| ())
        })
    }

    async fn find(&self, id: AddressId) -> Result<Option<SavedAddress>, RepoError> {
        let id = id.to_string();
        let row = with_conn!(self.db, |conn| {
            addresses::table.find(&id).select(AddressRow::as_select()).first(conn).await.optional()
        })?;
        row.map(SavedAddress::try_from).transpose()
    }

    async fn list(&self, user_id: Option<UserId>, page: PageRequest) -> Result<Page<SavedAddress>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let user_id = user_id.map(|id| id.to_string());
        let rows = with_conn!(self.db, |conn| {
            let mut query =
                addresses::table.select(AddressRow::as_select()).order(addresses::id.desc()).limit(fetch).into_boxed();
            if let Some(user_id) = &user_id {
                query = query.filter(addresses::user_id.eq(user_id.clone()));
            }
            if let Some(after) = &after {
                query = query.filter(addresses::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let items = rows.into_iter().map(SavedAddress::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |a| a.id.ulid()))
    }

    async fn update(&self, address: &SavedAddress, expected: Version) -> Result<(), RepoError> {
        let id = address.id.to_string();
        let changes = AddressChangeset::from_address(address);
        let expected = expected.get();
        let written = with_write_conn!(self.db, |conn| {
            let written = diesel::update(addresses::table.find(&id).filter(addresses::version.eq(expected)))
                .set(&changes)
                .cached()
                .execute(conn)
                .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            let current = addresses::table.find(&id).select(addresses::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(written)
    }

    async fn delete(&self, id: AddressId, expected: Version) -> Result<(), RepoError> {
        let id = id.to_string();
        let expected = expected.get();
        let deleted = with_write_conn!(self.db, |conn| {
            let deleted = diesel::delete(addresses::table.find(&id).filter(addresses::version.eq(expected)))
                .execute(conn)
                .await?;
            if deleted > 0 {
                return Ok(Ok(()));
            }
            let current = addresses::table.find(&id).select(addresses::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(deleted)
    }
}
