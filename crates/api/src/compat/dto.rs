//! The seed's shapes: decimal prices and a few bodies of its own.

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};
use utoipa::ToSchema;
use zonmart_domain::Product;

use crate::dto::products::ProductBody;

/// `POST /create_product/`: `price` in major units (`12.5` is 1250 cents).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedCreateProduct {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub description: Option<String>,
    #[schema(value_type = f64, minimum = 0, example = 19.99)]
    pub price: Number,
    /// Units on hand; the seed had no stock, so it defaults to 1000.
    #[schema(minimum = 0, maximum = 1_000_000_000_i64)]
    pub stock: Option<i64>,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub sku: Option<String>,
}

/// Stock of a product created through the seed path without one.
pub const SEED_DEFAULT_STOCK: i64 = 1000;

/// `POST /user_carts/`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedAddToCart {
    #[schema(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub user_id: String,
    #[schema(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub product_id: String,
}

/// A product as the seed showed it: the v1 fields plus `price` in major units.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedProductBody {
    #[serde(flatten)]
    pub product: ProductBody,
    #[schema(value_type = f64, example = 19.99)]
    pub price: Value,
}

impl From<&Product> for SeedProductBody {
    fn from(p: &Product) -> Self {
        SeedProductBody { product: ProductBody::from(p), price: major_units(p.price.get()) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageBody {
    #[schema(example = "User deleted")]
    pub message: &'static str,
}

/// `POST /token`'s answer, lower-case `bearer` as the seed sent it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedTokenBody {
    pub access_token: String,
    #[schema(example = "bearer")]
    pub token_type: &'static str,
}

/// Cents as a JSON number of major units: 1999 → 19.99, 1250 → 12.5.
pub fn major_units(cents: i64) -> Value {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A decimal number of major units as exact cents, read from its decimal
/// text so no float rounding can creep in: `19.99` → 1999. At most two
/// decimals (trailing zeros aside), not negative, no exponent.
pub fn cents_from_major(price: &Number) -> Result<i64, &'static str> {
    const BAD: &str = "must be a non-negative amount with at most two decimals, such as 19.99";
    let text = price.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 2 {
        return Err(BAD);
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BAD);
    }
    let whole: i64 = whole.parse().map_err(|_| BAD)?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| BAD)?;
    whole.checked_mul(100).and_then(|c| c.checked_add(fraction)).ok_or(BAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn decimal_prices_become_exact_cents() {
        for (text, cents) in
            [("19.99", 1999), ("12.5", 1250), ("100", 10000), ("0.1", 10), ("0.07", 7), ("1e2", 10000), ("2.10", 210)]
        {
            assert_eq!(cents_from_major(&number(text)), Ok(cents), "{text}");
        }
    }

    #[test]
    fn negative_or_over_precise_prices_are_refused() {
        for text in ["-1", "1.999", "0.001", "1e-3"] {
            assert!(cents_from_major(&number(text)).is_err(), "{text}");
        }
    }

    #[test]
    fn cents_show_as_major_units() {
        assert_eq!(major_units(1999).to_string(), "19.99");
        assert_eq!(major_units(1250).to_string(), "12.5");
        assert_eq!(major_units(7).to_string(), "0.07");
    }
}
