//! `ShippingMethodRepository` on the SQL database. Archiving is an update
//! (`archived = true`): the row stays for `find` and old orders, listings
//! never show it.

mod rows;

use async_trait::async_trait;
use diesel::dsl::not;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{CountryCode, Page, PageRequest, ShippingMethod, ShippingMethodId, Version};
use zonmart_ports::{RepoError, ShippingMethodRepository};

pub(crate) use self::rows::ShippingMethodRow;
use self::rows::{country_pattern, ShippingMethodChangeset};
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{with_conn, with_write_conn, CacheStatement, Database};
use crate::schema::shipping_methods;

#[derive(Debug, Clone)]
pub struct SqlShippingMethodRepository {
    db: Database,
}

impl SqlShippingMethodRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ShippingMethodRepository for SqlShippingMethodRepository {
    async fn insert(&self, method: &ShippingMethod) -> Result<(), RepoError> {
        let row = ShippingMethodRow::from_method(method);
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(shipping_methods::table).values(&row).cached().execute(conn).await.map(|_| ())
        })
    }

    async fn find(&self, id: ShippingMethodId) -> Result<Option<ShippingMethod>, RepoError> {
        let id = id.to_string();
        let row = with_conn!(self.db, |conn| {
            shipping_methods::table.find(&id).select(ShippingMethodRow::as_select()).first(conn).await.optional()
        })?;
        row.map(ShippingMethod::try_from).transpose()
    }

    async fn list(&self, country: Option<CountryCode>, page: PageRequest) -> Result<Page<ShippingMethod>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let pattern = country.map(country_pattern);
        let rows = with_conn!(self.db, |conn| {
            let mut query = shipping_methods::table
                .select(ShippingMethodRow::as_select())
                .filter(not(shipping_methods::archived))
                .order(shipping_methods::id.desc())
                .limit(fetch)
                .into_boxed();
            if let Some(pattern) = &pattern {
                query = query
                    .filter(shipping_methods::countries.eq("").or(shipping_methods::countries.like(pattern.clone())));
            }
            if let Some(after) = &after {
                query = query.filter(shipping_methods::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let items = rows.into_iter().map(ShippingMethod::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |m| m.id.ulid()))
    }

    async fn update(&self, method: &ShippingMethod, expected: Version) -> Result<(), RepoError> {
        let id = method.id.to_string();
        let changes = ShippingMethodChangeset::from_method(method);
        let expected = expected.get();
        let written = with_write_conn!(self.db, |conn| {
            let written =
                diesel::update(shipping_methods::table.find(&id).filter(shipping_methods::version.eq(expected)))
                    .set(&changes)
                    .cached()
                    .execute(conn)
                    .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            let current = shipping_methods::table
                .find(&id)
                .select(shipping_methods::version)
                .first::<i64>(conn)
                .await
                .optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(written)
    }
}
