//! Tax rate bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{CountryCode, NewTaxRate, RateBp, TaxRate, TaxRateChanges, ValidationErrors};

/// `POST /api/v1/tax-rates` (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"country": "DE", "rate_bp": 1900, "includes_shipping": true}))]
pub struct CreateTaxRateRequest {
    /// ISO 3166-1 alpha-2; one rate per country.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    /// Basis points: `1900` is 19 %.
    pub rate_bp: i64,
    /// Whether shipping is taxed too.
    pub includes_shipping: bool,
}

impl CreateTaxRateRequest {
    pub fn into_domain(self) -> Result<NewTaxRate, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let country = errors.check("country", CountryCode::parse(&self.country));
        let rate = errors.check("rate_bp", RateBp::new(self.rate_bp));
        match (country, rate) {
            (Some(country), Some(rate)) => Ok(NewTaxRate { country, rate, includes_shipping: self.includes_shipping }),
            _ => Err(errors),
        }
    }
}

/// `PATCH /api/v1/tax-rates/{id}` (admin): only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rate_bp": 700, "version": 1}))]
pub struct UpdateTaxRateRequest {
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    pub rate_bp: Option<i64>,
    pub includes_shipping: Option<bool>,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateTaxRateRequest {
    pub fn into_domain(self) -> Result<TaxRateChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let country = self.country.map(|c| errors.check("country", CountryCode::parse(&c)));
        let rate = self.rate_bp.map(|r| errors.check("rate_bp", RateBp::new(r)));
        errors.into_result(|| TaxRateChanges {
            country: country.flatten(),
            rate: rate.flatten(),
            includes_shipping: self.includes_shipping,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaxRateBody {
    pub id: String,
    pub country: String,
    pub rate_bp: i64,
    pub includes_shipping: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&TaxRate> for TaxRateBody {
    fn from(r: &TaxRate) -> Self {
        TaxRateBody {
            id: r.id.to_string(),
            country: r.country.as_str().to_owned(),
            rate_bp: r.rate.get(),
            includes_shipping: r.includes_shipping,
            version: r.version.get(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Page of `GET /api/v1/tax-rates`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaxRateListQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
