//! Product bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{
    Currency, Description, NewProduct, PriceCents, Product, ProductChanges, ProductName, Sku, Stock, ValidationErrors,
};
use zonmart_ports::{ProductFilter, ProductSort};

use super::double_option;
use super::rules;

/// `POST /api/v1/products` (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Teapot", "description": "Cast iron, 1 l", "price_cents": 1999, "currency": "USD", "stock": 25, "sku": "TEA-001"}))]
pub struct CreateProductRequest {
    #[schema(schema_with = rules::product_name::required)]
    pub name: String,
    #[schema(schema_with = rules::product_description::optional)]
    pub description: Option<String>,
    /// Minor units (cents), ≥ 0.
    pub price_cents: i64,
    /// ISO 4217, default `USD`.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Units on hand, ≥ 0.
    pub stock: i64,
    /// Unique when given.
    pub sku: Option<String>,
}

impl CreateProductRequest {
    pub fn into_domain(self) -> Result<NewProduct, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", ProductName::parse(&self.name));
        let description = self.description.map(|d| errors.check("description", Description::parse(&d)));
        let price = errors.check("price_cents", PriceCents::new(self.price_cents));
        let currency = match self.currency {
            Some(c) => errors.check("currency", Currency::parse(&c)),
            None => Some(Currency::default()),
        };
        let stock = errors.check("stock", Stock::new(self.stock));
        let sku = self.sku.map(|s| errors.check("sku", Sku::parse(&s)));
        match (name, price, currency, stock) {
            (Some(name), Some(price), Some(currency), Some(stock)) if errors.is_empty() => {
                Ok(NewProduct { name, description: description.flatten(), price, currency, stock, sku: sku.flatten() })
            }
            _ => Err(errors),
        }
    }
}

/// `PATCH /api/v1/products/{id}` (admin): only the fields sent change;
/// `null` clears `description` or `sku`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_cents": 1799, "stock": 40, "version": 1}))]
pub struct UpdateProductRequest {
    #[schema(schema_with = rules::product_name::optional)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::product_description::optional)]
    pub description: Option<Option<String>>,
    pub price_cents: Option<i64>,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    pub stock: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub sku: Option<Option<String>>,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateProductRequest {
    pub fn into_domain(self) -> Result<ProductChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = self.name.map(|n| errors.check("name", ProductName::parse(&n)));
        let description = self.description.map(|d| d.map(|d| errors.check("description", Description::parse(&d))));
        let price = self.price_cents.map(|p| errors.check("price_cents", PriceCents::new(p)));
        let currency = self.currency.map(|c| errors.check("currency", Currency::parse(&c)));
        let stock = self.stock.map(|s| errors.check("stock", Stock::new(s)));
        let sku = self.sku.map(|s| s.map(|s| errors.check("sku", Sku::parse(&s))));
        errors.into_result(|| ProductChanges {
            name: name.flatten(),
            description: description.map(Option::flatten),
            price: price.flatten(),
            currency: currency.flatten(),
            stock: stock.flatten(),
            sku: sku.map(Option::flatten),
        })
    }
}

/// A product as every response shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductBody {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i64,
    pub sku: Option<String>,
    /// Archived products are not listed and cannot be ordered.
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Product> for ProductBody {
    fn from(p: &Product) -> Self {
        ProductBody {
            id: p.id.to_string(),
            name: p.name.as_str().to_owned(),
            description: p.description.as_ref().map(|d| d.as_str().to_owned()),
            price_cents: p.price.get(),
            currency: p.currency.as_str().to_owned(),
            stock: p.stock.get(),
            sku: p.sku.as_ref().map(|s| s.as_str().to_owned()),
            archived: p.archived,
            version: p.version.get(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The orders a product list can come in.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ProductSortParam {
    #[serde(rename = "-created_at")]
    NewestFirst,
    #[serde(rename = "created_at")]
    OldestFirst,
    #[serde(rename = "price_cents")]
    PriceAscending,
    #[serde(rename = "-price_cents")]
    PriceDescending,
    #[serde(rename = "name")]
    Name,
    /// Whole-word matches of `q` first, then word-prefix matches, then the
    /// rest; newest first within each. The default when `q` is given.
    #[serde(rename = "relevance")]
    Relevance,
}

impl From<ProductSortParam> for ProductSort {
    fn from(s: ProductSortParam) -> Self {
        match s {
            ProductSortParam::NewestFirst => ProductSort::NewestFirst,
            ProductSortParam::OldestFirst => ProductSort::OldestFirst,
            ProductSortParam::PriceAscending => ProductSort::PriceAscending,
            ProductSortParam::PriceDescending => ProductSort::PriceDescending,
            ProductSortParam::Name => ProductSort::NameAscending,
            ProductSortParam::Relevance => ProductSort::Relevance,
        }
    }
}

/// Filters, order and page of `GET /api/v1/products`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListQuery {
    /// Case-insensitive substring of the name (spaces at its ends also match
    /// the name's start and end).
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 0)]
    pub min_price_cents: Option<i64>,
    #[param(minimum = 0)]
    pub max_price_cents: Option<i64>,
    /// `true`: only products with stock; `false`: only sold-out ones.
    pub in_stock: Option<bool>,
    /// `relevance` (the default with `q`), `-created_at` (the default without
    /// `q`), `created_at`, `price_cents`, `-price_cents` or `name`.
    #[param(value_type = Option<ProductSortParam>)]
    pub sort: Option<ProductSortParam>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl ProductListQuery {
    pub fn filter(&self, errors: &mut ValidationErrors) -> ProductFilter {
        ProductFilter {
            q: self.q.clone().filter(|q| !q.is_empty()).and_then(|q| {
                // No name is longer, so a longer `q` is a mistake, not a search.
                if q.chars().count() > 200 {
                    errors.push("q", "must be at most 200 characters");
                    return None;
                }
                Some(q)
            }),
            min_price: self.min_price_cents.and_then(|p| errors.check("min_price_cents", PriceCents::new(p))),
            max_price: self.max_price_cents.and_then(|p| errors.check("max_price_cents", PriceCents::new(p))),
            in_stock: self.in_stock,
        }
    }
}
