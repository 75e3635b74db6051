//! Request and response bodies: the JSON shapes of API.md, their OpenAPI
//! schemas, and their translation to and from domain types.

pub mod addresses;
pub mod api_keys;
pub mod auth;
pub mod cart;
pub mod discounts;
pub mod events;
pub mod orders;
pub mod page;
pub mod payments;
pub mod products;
pub mod resource_json;
pub mod rules;
pub mod shipping_methods;
pub mod tax_rates;
pub mod users;
pub mod webhooks;

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`)
/// or a value (`Some(Some(v))`), as a PATCH needs. Use with `#[serde(default)]`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// The optional body of a versioned `DELETE`: `{"version": n}`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}
