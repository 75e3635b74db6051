//! `TaxRateRepository` on the SQL database: one rate per country (a unique
//! index); deleting removes the row.

mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Page, PageRequest, TaxRate, TaxRateId, Version};
use zonmart_ports::{RepoError, TaxRateRepository};

use self::rows::TaxRateChangeset;
pub(crate) use self::rows::TaxRateRow;
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{with_conn, with_write_conn, CacheStatement, Database};
use crate::schema::tax_rates;

#[derive(Debug, Clone)]
pub struct SqlTaxRateRepository {
    db: Database,
}

impl SqlTaxRateRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl TaxRateRepository for SqlTaxRateRepository {
    async fn insert(&self, rate: &TaxRate) -> Result<(), RepoError> {
        let row = TaxRateRow::from_rate(rate);
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(tax_rates::table).values(&row).cached().execute(conn).await.map(|_| ())
        })
    }

    async fn find(&self, id: TaxRateId) -> Result<Option<TaxRate>, RepoError> {
        let id = id.to_string();
        let row = with_conn!(self.db, |conn| {
            tax_rates::table.find(&id).select(TaxRateRow::as_select()).first(conn).await.optional()
        })?;
        row.map(TaxRate::try_from).transpose()
    }

    async fn list(&self, page: PageRequest) -> Result<Page<TaxRate>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let rows = with_conn!(self.db, |conn| {
            let mut query =
                tax_rates::table.select(TaxRateRow::as_select()).order(tax_rates::id.desc()).limit(fetch).into_boxed();
            if let Some(after) = &after {
                query = query.filter(tax_rates::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let items = rows.into_iter().map(TaxRate::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |r| r.id.ulid()))
    }

    async fn update(&self, rate: &TaxRate, expected: Version) -> Result<(), RepoError> {
        let id = rate.id.to_string();
        let changes = TaxRateChangeset::from_rate(rate);
        let expected = expected.get();
        let written = with_write_conn!(self.db, |conn| {
            let written = diesel::update(tax_rates::table.find(&id).filter(tax_rates::version.eq(expected)))
                .set(&changes)
                .cached()
                .execute(conn)
                .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            let current = tax_rates::table.find(&id).select(tax_rates::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(written)
    }

    async fn delete(&self, id: TaxRateId, expected: Version) -> Result<(), RepoError> {
        let id = id.to_string();
        let expected = expected.get();
        let deleted = with_write_conn!(self.db, |conn| {
            let deleted = diesel::delete(tax_rates::table.find(&id).filter(tax_rates::version.eq(expected)))
                .execute(conn)
                .await?;
            if deleted > 0 {
                return Ok(Ok(()));
            }
            let current = tax_rates::table.find(&id).select(tax_rates::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(deleted)
    }
}
