//! Discount code bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{
    Currency, Discount, DiscountChanges, DiscountCode, DiscountKind, DiscountTerms, NewDiscount, PriceCents, UseLimit,
    ValidationErrors,
};

use super::double_option;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiscountKindParam {
    Percent,
    Fixed,
}

impl DiscountKindParam {
    fn name(self) -> &'static str {
        match self {
            DiscountKindParam::Percent => "percent",
            DiscountKindParam::Fixed => "fixed",
        }
    }
}

/// `POST /api/v1/discounts` (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "SAVE10", "kind": "percent", "value": 10, "max_uses": 100, "max_uses_per_user": 1}))]
pub struct CreateDiscountRequest {
    /// 3..32 of `[A-Za-z0-9_-]`, stored upper-case, unique.
    pub code: String,
    pub kind: DiscountKindParam,
    /// percent: 1..100; fixed: minor units ≥ 1.
    #[schema(minimum = 1)]
    pub value: i64,
    /// Required for `fixed`.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(minimum = 0)]
    pub min_subtotal_cents: Option<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    /// The first instant the code no longer applies; after `starts_at`.
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(minimum = 1)]
    pub max_uses: Option<i64>,
    #[schema(minimum = 1)]
    pub max_uses_per_user: Option<i64>,
}

fn limit(errors: &mut ValidationErrors, field: &str, n: Option<i64>) -> Option<Option<UseLimit>> {
    match n {
        None => Some(None),
        Some(n) => errors.check(field, UseLimit::new(n)).map(Some),
    }
}

fn min_subtotal(errors: &mut ValidationErrors, n: Option<i64>) -> Option<Option<PriceCents>> {
    match n {
        None => Some(None),
        Some(n) => errors.check("min_subtotal_cents", PriceCents::new(n)).map(Some),
    }
}

impl CreateDiscountRequest {
    pub fn into_domain(self) -> Result<NewDiscount, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = errors.check("code", DiscountCode::parse(&self.code));
        let kind = match DiscountKind::parse(self.kind.name(), self.value) {
            Ok(kind) => Some(kind),
            Err(e) => {
                e.errors().iter().for_each(|f| errors.push(f.field.clone(), f.message.clone()));
                None
            }
        };
        let currency = match &self.currency {
            None => Some(None),
            Some(c) => errors.check("currency", Currency::parse(c)).map(Some),
        };
        let min = min_subtotal(&mut errors, self.min_subtotal_cents);
        let max_uses = limit(&mut errors, "max_uses", self.max_uses);
        let per_user = limit(&mut errors, "max_uses_per_user", self.max_uses_per_user);
        let (Some(code), Some(kind), Some(currency), Some(min), Some(max_uses), Some(per_user)) =
            (code, kind, currency, min, max_uses, per_user)
        else {
            return Err(errors);
        };
        let terms = DiscountTerms {
            kind,
            currency,
            min_subtotal: min,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            max_uses,
            max_uses_per_user: per_user,
        }
        .check()?;
        errors.into_result(|| NewDiscount { code, terms })
    }
}

/// `PATCH /api/v1/discounts/{id}` (admin): only the fields sent change;
/// `null` clears an optional one. `kind` and `value` go together.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"max_uses": 200, "version": 1}))]
pub struct UpdateDiscountRequest {
    pub code: Option<String>,
    pub kind: Option<DiscountKindParam>,
    #[schema(minimum = 1)]
    pub value: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub min_subtotal_cents: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ends_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub max_uses: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub max_uses_per_user: Option<Option<i64>>,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateDiscountRequest {
    pub fn into_domain(self) -> Result<DiscountChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = self.code.map(|c| errors.check("code", DiscountCode::parse(&c)));
        let kind = match (self.kind, self.value) {
            (None, None) => None,
            (Some(kind), Some(value)) => match DiscountKind::parse(kind.name(), value) {
                Ok(kind) => Some(kind),
                Err(e) => {
                    e.errors().iter().for_each(|f| errors.push(f.field.clone(), f.message.clone()));
                    None
                }
            },
            _ => {
                errors.push("value", "send kind and value together");
                None
            }
        };
        let currency = self.currency.map(|c| c.map(|c| errors.check("currency", Currency::parse(&c))));
        let min = self.min_subtotal_cents.map(|m| min_subtotal(&mut errors, m));
        let max_uses = self.max_uses.map(|m| limit(&mut errors, "max_uses", m));
        let per_user = self.max_uses_per_user.map(|m| limit(&mut errors, "max_uses_per_user", m));
        errors.into_result(|| DiscountChanges {
            code: code.flatten(),
            kind,
            currency: currency.map(Option::flatten),
            min_subtotal: min.flatten(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            max_uses: max_uses.flatten(),
            max_uses_per_user: per_user.flatten(),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscountBody {
    pub id: String,
    pub code: String,
    pub kind: DiscountKindParam,
    pub value: i64,
    pub currency: Option<String>,
    pub min_subtotal_cents: Option<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    /// Orders placed with the code that are not cancelled.
    pub uses: i64,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Discount> for DiscountBody {
    fn from(d: &Discount) -> Self {
        DiscountBody {
            id: d.id.to_string(),
            code: d.code.as_str().to_owned(),
            kind: match d.kind {
                DiscountKind::Percent(_) => DiscountKindParam::Percent,
                DiscountKind::Fixed(_) => DiscountKindParam::Fixed,
            },
            value: d.kind.value(),
            currency: d.currency.as_ref().map(|c| c.as_str().to_owned()),
            min_subtotal_cents: d.min_subtotal.map(PriceCents::get),
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            max_uses: d.max_uses.map(UseLimit::get),
            max_uses_per_user: d.max_uses_per_user.map(UseLimit::get),
            uses: d.uses,
            archived: d.archived,
            version: d.version.get(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Filter and page of `GET /api/v1/discounts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscountListQuery {
    /// A code prefix, matched ignoring case.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
