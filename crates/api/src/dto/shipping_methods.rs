//! Shipping method bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{
    Countries, CountryCode, Currency, MethodName, NewShippingMethod, PriceCents, ShippingMethod, ShippingMethodChanges,
    ValidationErrors,
};

use super::double_option;
use super::rules;

fn countries(codes: &[String], errors: &mut ValidationErrors) -> Option<Countries> {
    let parsed: Vec<Option<CountryCode>> =
        codes.iter().enumerate().map(|(n, c)| errors.check(&format!("countries.{n}"), CountryCode::parse(c))).collect();
    parsed.into_iter().collect::<Option<Vec<_>>>().map(Countries::new)
}

/// `POST /api/v1/shipping-methods` (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Parcel", "price_cents": 490, "currency": "EUR", "countries": ["DE", "FR"], "free_over_cents": 5000}))]
pub struct CreateShippingMethodRequest {
    #[schema(schema_with = rules::shipping_method_name::required)]
    pub name: String,
    pub price_cents: i64,
    /// ISO 4217, default `USD`.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// ISO 3166-1 alpha-2 codes; empty or absent: ships everywhere.
    pub countries: Option<Vec<String>>,
    /// Shipping is free when the subtotal after discount reaches this.
    pub free_over_cents: Option<i64>,
}

impl CreateShippingMethodRequest {
    pub fn into_domain(self) -> Result<NewShippingMethod, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", MethodName::parse(&self.name));
        let price = errors.check("price_cents", PriceCents::new(self.price_cents));
        let currency = match self.currency {
            Some(c) => errors.check("currency", Currency::parse(&c)),
            None => Some(Currency::default()),
        };
        let countries = countries(&self.countries.unwrap_or_default(), &mut errors);
        let free_over = self.free_over_cents.map(|f| errors.check("free_over_cents", PriceCents::new(f)));
        match (name, price, currency, countries) {
            (Some(name), Some(price), Some(currency), Some(countries)) if errors.is_empty() => {
                Ok(NewShippingMethod { name, price, currency, countries, free_over: free_over.flatten() })
            }
            _ => Err(errors),
        }
    }
}

/// `PATCH /api/v1/shipping-methods/{id}` (admin): only the fields sent
/// change; `null` clears `free_over_cents`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_cents": 590, "version": 1}))]
pub struct UpdateShippingMethodRequest {
    #[schema(schema_with = rules::shipping_method_name::optional)]
    pub name: Option<String>,
    pub price_cents: Option<i64>,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    pub countries: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub free_over_cents: Option<Option<i64>>,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateShippingMethodRequest {
    pub fn into_domain(self) -> Result<ShippingMethodChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = self.name.map(|n| errors.check("name", MethodName::parse(&n)));
        let price = self.price_cents.map(|p| errors.check("price_cents", PriceCents::new(p)));
        let currency = self.currency.map(|c| errors.check("currency", Currency::parse(&c)));
        let countries = self.countries.map(|c| countries(&c, &mut errors));
        let free_over = self.free_over_cents.map(|f| f.map(|f| errors.check("free_over_cents", PriceCents::new(f))));
        errors.into_result(|| ShippingMethodChanges {
            name: name.flatten(),
            price: price.flatten(),
            currency: currency.flatten(),
            countries: countries.flatten(),
            free_over: free_over.map(Option::flatten),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippingMethodBody {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    /// Empty: ships everywhere.
    pub countries: Vec<String>,
    pub free_over_cents: Option<i64>,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ShippingMethod> for ShippingMethodBody {
    fn from(m: &ShippingMethod) -> Self {
        ShippingMethodBody {
            id: m.id.to_string(),
            name: m.name.as_str().to_owned(),
            price_cents: m.price.get(),
            currency: m.currency.as_str().to_owned(),
            countries: m.countries.as_slice().iter().map(|c| c.as_str().to_owned()).collect(),
            free_over_cents: m.free_over.map(PriceCents::get),
            archived: m.archived,
            version: m.version.get(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Filter and page of `GET /api/v1/shipping-methods`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShippingMethodListQuery {
    /// Only methods that ship to this country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
