//! Discount codes as rows and back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{
    Currency, Discount, DiscountCode, DiscountId, DiscountKind, DiscountTerms, PriceCents, UseLimit, Version,
};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::discount_codes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = discount_codes)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct DiscountRow {
    pub id: String,
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub currency: Option<String>,
    pub min_subtotal_cents: Option<i64>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    pub uses: i64,
    pub archived: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an admin's write changes: never `uses`, which only orders move.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = discount_codes, treat_none_as_null = true)]
pub(super) struct DiscountChangeset {
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub currency: Option<String>,
    pub min_subtotal_cents: Option<i64>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    pub archived: bool,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

impl DiscountRow {
    pub fn from_discount(d: &Discount) -> Self {
        Self {
            id: d.id.to_string(),
            code: d.code.as_str().to_owned(),
            kind: d.kind.name().to_owned(),
            value: d.kind.value(),
            currency: d.currency.as_ref().map(|c| c.as_str().to_owned()),
            min_subtotal_cents: d.min_subtotal.map(PriceCents::get),
            starts_at: d.starts_at.map(|t| t.naive_utc()),
            ends_at: d.ends_at.map(|t| t.naive_utc()),
            max_uses: d.max_uses.map(UseLimit::get),
            max_uses_per_user: d.max_uses_per_user.map(UseLimit::get),
            uses: d.uses,
            archived: d.archived,
            version: d.version.get(),
            created_at: d.created_at.naive_utc(),
            updated_at: d.updated_at.naive_utc(),
        }
    }
}

impl DiscountChangeset {
    pub fn from_discount(d: &Discount) -> Self {
        let row = DiscountRow::from_discount(d);
        Self {
            code: row.code,
            kind: row.kind,
            value: row.value,
            currency: row.currency,
            min_subtotal_cents: row.min_subtotal_cents,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            max_uses: row.max_uses,
            max_uses_per_user: row.max_uses_per_user,
            archived: row.archived,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

impl TryFrom<DiscountRow> for Discount {
    type Error = RepoError;

    fn try_from(row: DiscountRow) -> Result<Discount, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("discount code", &row.id, name, e);
        let limit = |name: &str, n: Option<i64>| n.map(UseLimit::new).transpose().map_err(|e| field(name, &e));
        let terms = DiscountTerms {
            kind: DiscountKind::parse(&row.kind, row.value).map_err(|e| field("kind", &e))?,
            currency: row.currency.as_deref().map(Currency::parse).transpose().map_err(|e| field("currency", &e))?,
            min_subtotal: row
                .min_subtotal_cents
                .map(PriceCents::new)
                .transpose()
                .map_err(|e| field("min_subtotal_cents", &e))?,
            starts_at: row.starts_at.map(|t| t.and_utc()),
            ends_at: row.ends_at.map(|t| t.and_utc()),
            max_uses: limit("max_uses", row.max_uses)?,
            max_uses_per_user: limit("max_uses_per_user", row.max_uses_per_user)?,
        };
        Ok(Discount::from_terms(
            DiscountId::parse(&row.id).map_err(|e| field("id", &e))?,
            DiscountCode::parse(&row.code).map_err(|e| field("code", &e))?,
            terms,
            row.uses,
            row.archived,
            Version::new(row.version).map_err(|e| field("version", &e))?,
            row.created_at.and_utc(),
            row.updated_at.and_utc(),
        ))
    }
}
