//! Tax rates as rows and back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{CountryCode, RateBp, TaxRate, TaxRateId, Version};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::tax_rates;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tax_rates)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct TaxRateRow {
    pub id: String,
    pub country: String,
    pub rate_bp: i64,
    pub includes_shipping: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = tax_rates)]
pub(super) struct TaxRateChangeset {
    pub country: String,
    pub rate_bp: i64,
    pub includes_shipping: bool,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

impl TaxRateRow {
    pub fn from_rate(rate: &TaxRate) -> Self {
        Self {
            id: rate.id.to_string(),
            country: rate.country.as_str().to_owned(),
            rate_bp: rate.rate.get(),
            includes_shipping: rate.includes_shipping,
            version: rate.version.get(),
            created_at: rate.created_at.naive_utc(),
            updated_at: rate.updated_at.naive_utc(),
        }
    }
}

impl TaxRateChangeset {
    pub fn from_rate(rate: &TaxRate) -> Self {
        Self {
            country: rate.country.as_str().to_owned(),
            rate_bp: rate.rate.get(),
            includes_shipping: rate.includes_shipping,
            version: rate.version.get(),
            updated_at: rate.updated_at.naive_utc(),
        }
    }
}

impl TryFrom<TaxRateRow> for TaxRate {
    type Error = RepoError;

    fn try_from(row: TaxRateRow) -> Result<TaxRate, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("tax rate", &row.id, name, e);
        Ok(TaxRate {
            id: TaxRateId::parse(&row.id).map_err(|e| field("id", &e))?,
            country: CountryCode::parse(&row.country).map_err(|e| field("country", &e))?,
            rate: RateBp::new(row.rate_bp).map_err(|e| field("rate_bp", &e))?,
            includes_shipping: row.includes_shipping,
            version: Version::new(row.version).map_err(|e| field("version", &e))?,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}
