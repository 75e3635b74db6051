//! Saved addresses as rows and back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{AddressField, AddressId, CountryCode, PostalAddress, SavedAddress, UserId, Version};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::addresses;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = addresses)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct AddressRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: String,
    pub phone: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Everything an update writes (the address whole; `None` clears).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = addresses, treat_none_as_null = true)]
pub(super) struct AddressChangeset {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: String,
    pub phone: Option<String>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

fn text(field: &Option<AddressField>) -> Option<String> {
    field.as_ref().map(|f| f.as_str().to_owned())
}

impl AddressRow {
    pub fn from_address(saved: &SavedAddress) -> Self {
        let a = &saved.address;
        Self {
            id: saved.id.to_string(),
            user_id: saved.user_id.to_string(),
            name: a.name.as_str().to_owned(),
            line1: a.line1.as_str().to_owned(),
            line2: text(&a.line2),
            city: a.city.as_str().to_owned(),
            postal_code: text(&a.postal_code),
            region: text(&a.region),
            country: a.country.as_str().to_owned(),
            phone: text(&a.phone),
            version: saved.version.get(),
            created_at: saved.created_at.naive_utc(),
            updated_at: saved.updated_at.naive_utc(),
        }
    }
}

impl AddressChangeset {
    pub fn from_address(saved: &SavedAddress) -> Self {
        let row = AddressRow::from_address(saved);
        Self {
            name: row.name,
            line1: row.line1,
            line2: row.line2,
            city: row.city,
            postal_code: row.postal_code,
            region: row.region,
            country: row.country,
            phone: row.phone,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

impl TryFrom<AddressRow> for SavedAddress {
    type Error = RepoError;

    fn try_from(row: AddressRow) -> Result<SavedAddress, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("address", &row.id, name, e);
        let required = |name: &str, value: &str| AddressField::parse(value).map_err(|e| field(name, &e));
        let optional = |name: &str, value: &Option<String>| value.as_deref().map(|v| required(name, v)).transpose();
        let address = PostalAddress {
            name: required("name", &row.name)?,
            line1: required("line1", &row.line1)?,
            line2: optional("line2", &row.line2)?,
            city: required("city", &row.city)?,
            postal_code: optional("postal_code", &row.postal_code)?,
            region: optional("region", &row.region)?,
            country: CountryCode::parse(&row.country).map_err(|e| field("country", &e))?,
            phone: optional("phone", &row.phone)?,
        };
        Ok(SavedAddress {
            id: AddressId::parse(&row.id).map_err(|e| field("id", &e))?,
            user_id: UserId::parse(&row.user_id).map_err(|e| field("user_id", &e))?,
            address,
            version: Version::new(row.version).map_err(|e| field("version", &e))?,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}
