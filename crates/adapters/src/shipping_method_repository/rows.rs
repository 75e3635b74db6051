//! Shipping methods as rows and back; `countries` is stored as `,DE,FR,`
//! (empty: everywhere), so a country filter is one `LIKE '%,DE,%'`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{
    Countries, CountryCode, Currency, MethodName, PriceCents, ShippingMethod, ShippingMethodId, Version,
};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::shipping_methods;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipping_methods)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct ShippingMethodRow {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub countries: String,
    pub free_over_cents: Option<i64>,
    pub archived: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = shipping_methods, treat_none_as_null = true)]
pub(super) struct ShippingMethodChangeset {
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub countries: String,
    pub free_over_cents: Option<i64>,
    pub archived: bool,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// The stored form of a country set.
pub(super) fn encode_countries(countries: &Countries) -> String {
    if countries.as_slice().is_empty() {
        return String::new();
    }
    let codes: Vec<&str> = countries.as_slice().iter().map(|c| c.as_str()).collect();
    format!(",{},", codes.join(","))
}

/// The pattern a stored set matches when it holds `country`.
pub(super) fn country_pattern(country: CountryCode) -> String {
    format!("%,{country},%")
}

impl ShippingMethodRow {
    pub fn from_method(method: &ShippingMethod) -> Self {
        Self {
            id: method.id.to_string(),
            name: method.name.as_str().to_owned(),
            price_cents: method.price.get(),
            currency: method.currency.as_str().to_owned(),
            countries: encode_countries(&method.countries),
            free_over_cents: method.free_over.map(PriceCents::get),
            archived: method.archived,
            version: method.version.get(),
            created_at: method.created_at.naive_utc(),
            updated_at: method.updated_at.naive_utc(),
        }
    }
}

impl ShippingMethodChangeset {
    pub fn from_method(method: &ShippingMethod) -> Self {
        let row = ShippingMethodRow::from_method(method);
        Self {
            name: row.name,
            price_cents: row.price_cents,
            currency: row.currency,
            countries: row.countries,
            free_over_cents: row.free_over_cents,
            archived: row.archived,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

impl TryFrom<ShippingMethodRow> for ShippingMethod {
    type Error = RepoError;

    fn try_from(row: ShippingMethodRow) -> Result<ShippingMethod, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("shipping method", &row.id, name, e);
        let countries = row
            .countries
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| CountryCode::parse(c).map_err(|e| field("countries", &e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ShippingMethod {
            id: ShippingMethodId::parse(&row.id).map_err(|e| field("id", &e))?,
            name: MethodName::parse(&row.name).map_err(|e| field("name", &e))?,
            price: PriceCents::new(row.price_cents).map_err(|e| field("price_cents", &e))?,
            currency: Currency::parse(&row.currency).map_err(|e| field("currency", &e))?,
            countries: Countries::new(countries),
            free_over: row
                .free_over_cents
                .map(PriceCents::new)
                .transpose()
                .map_err(|e| field("free_over_cents", &e))?,
            archived: row.archived,
            version: Version::new(row.version).map_err(|e| field("version", &e))?,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}
