//! Address bodies: saved addresses, and the address an order ships to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{
    AddressChanges, AddressField, AddressInput, CountryCode, PostalAddress, SavedAddress, ValidationErrors,
};

use super::double_option;
use super::rules;

/// An address as a client sends it (`POST /api/v1/addresses`, or an order's
/// `shipping_address`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ada Lovelace", "line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}))]
pub struct AddressRequest {
    #[schema(schema_with = rules::address_field::required)]
    pub name: String,
    #[schema(schema_with = rules::address_field::required)]
    pub line1: String,
    #[schema(schema_with = rules::address_field::optional)]
    pub line2: Option<String>,
    #[schema(schema_with = rules::address_field::required)]
    pub city: String,
    #[schema(schema_with = rules::address_field::optional)]
    pub postal_code: Option<String>,
    #[schema(schema_with = rules::address_field::optional)]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, any case (`de` is stored `DE`).
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    #[schema(schema_with = rules::address_field::optional)]
    pub phone: Option<String>,
}

impl AddressRequest {
    /// Errors are named `<prefix><field>`.
    pub fn into_domain(&self, prefix: &str) -> Result<PostalAddress, ValidationErrors> {
        let input = AddressInput {
            name: &self.name,
            line1: &self.line1,
            line2: self.line2.as_deref(),
            city: &self.city,
            postal_code: self.postal_code.as_deref(),
            region: self.region.as_deref(),
            country: &self.country,
            phone: self.phone.as_deref(),
        };
        PostalAddress::parse(&input, prefix)
    }
}

/// `PATCH /api/v1/addresses/{id}`: only the fields sent change; `null`
/// clears `line2`, `postal_code`, `region` or `phone`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"city": "Hamburg", "version": 1}))]
pub struct UpdateAddressRequest {
    #[schema(schema_with = rules::address_field::optional)]
    pub name: Option<String>,
    #[schema(schema_with = rules::address_field::optional)]
    pub line1: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::address_field::optional)]
    pub line2: Option<Option<String>>,
    #[schema(schema_with = rules::address_field::optional)]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::address_field::optional)]
    pub postal_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::address_field::optional)]
    pub region: Option<Option<String>>,
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::address_field::optional)]
    pub phone: Option<Option<String>>,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateAddressRequest {
    pub fn into_domain(self) -> Result<AddressChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut field = |name: &str, v: Option<String>| v.map(|v| errors.check(name, AddressField::parse(&v)));
        let name = field("name", self.name);
        let line1 = field("line1", self.line1);
        let city = field("city", self.city);
        let mut clearable =
            |name: &str, v: Option<Option<String>>| v.map(|v| v.map(|v| errors.check(name, AddressField::parse(&v))));
        let line2 = clearable("line2", self.line2);
        let postal_code = clearable("postal_code", self.postal_code);
        let region = clearable("region", self.region);
        let phone = clearable("phone", self.phone);
        let country = self.country.map(|c| errors.check("country", CountryCode::parse(&c)));
        errors.into_result(|| AddressChanges {
            name: name.flatten(),
            line1: line1.flatten(),
            line2: line2.map(Option::flatten),
            city: city.flatten(),
            postal_code: postal_code.map(Option::flatten),
            region: region.map(Option::flatten),
            country: country.flatten(),
            phone: phone.map(Option::flatten),
        })
    }
}

/// An address's fields as responses show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShippingAddressBody {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, upper-case.
    pub country: String,
    pub phone: Option<String>,
}

impl From<&PostalAddress> for ShippingAddressBody {
    fn from(a: &PostalAddress) -> Self {
        let text = |f: &Option<AddressField>| f.as_ref().map(|f| f.as_str().to_owned());
        ShippingAddressBody {
            name: a.name.as_str().to_owned(),
            line1: a.line1.as_str().to_owned(),
            line2: text(&a.line2),
            city: a.city.as_str().to_owned(),
            postal_code: text(&a.postal_code),
            region: text(&a.region),
            country: a.country.as_str().to_owned(),
            phone: text(&a.phone),
        }
    }
}

/// A saved address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressBody {
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&SavedAddress> for AddressBody {
    fn from(saved: &SavedAddress) -> Self {
        let a = ShippingAddressBody::from(&saved.address);
        AddressBody {
            id: saved.id.to_string(),
            user_id: saved.user_id.to_string(),
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            postal_code: a.postal_code,
            region: a.region,
            country: a.country,
            phone: a.phone,
            version: saved.version.get(),
            created_at: saved.created_at,
            updated_at: saved.updated_at,
        }
    }
}

/// Filters and page of `GET /api/v1/addresses`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddressListQuery {
    /// Admins: one user's addresses. Customers may only name themselves.
    pub user_id: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
