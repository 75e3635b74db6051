//! Products as rows and back. A stored row that no longer passes the
//! domain's validation is reported as an internal error, never a panic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{Currency, Description, PriceCents, Product, ProductId, ProductName, Sku, Stock, Version};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::products;

/// A whole row, as read and as first written.
#[derive(Debug, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = products)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct ProductRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i64,
    pub sku: Option<String>,
    pub archived: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Everything an update may change. `None` clears a column (it does not mean
/// "leave alone": the product is written whole).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = products, treat_none_as_null = true)]
pub(super) struct ProductChangeset {
    pub name: String,
    pub description: Option<String>,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i64,
    pub sku: Option<String>,
    pub archived: bool,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

impl ProductRow {
    pub fn from_product(product: &Product) -> Self {
        Self {
            id: product.id.to_string(),
            name: product.name.as_str().to_owned(),
            description: product.description.as_ref().map(|d| d.as_str().to_owned()),
            price_cents: product.price.get(),
            currency: product.currency.as_str().to_owned(),
            stock: product.stock.get(),
            sku: product.sku.as_ref().map(|s| s.as_str().to_owned()),
            archived: product.archived,
            version: product.version.get(),
            created_at: product.created_at.naive_utc(),
            updated_at: product.updated_at.naive_utc(),
        }
    }
}

impl ProductChangeset {
    pub fn from_product(product: &Product) -> Self {
        Self {
            name: product.name.as_str().to_owned(),
            description: product.description.as_ref().map(|d| d.as_str().to_owned()),
            price_cents: product.price.get(),
            currency: product.currency.as_str().to_owned(),
            stock: product.stock.get(),
            sku: product.sku.as_ref().map(|s| s.as_str().to_owned()),
            archived: product.archived,
            version: product.version.get(),
            updated_at: product.updated_at.naive_utc(),
        }
    }
}

impl TryFrom<ProductRow> for Product {
    type Error = RepoError;

    fn try_from(row: ProductRow) -> Result<Product, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("product", &row.id, name, e);
        Ok(Product {
            id: ProductId::parse(&row.id).map_err(|e| field("id", &e))?,
            name: ProductName::parse(&row.name).map_err(|e| field("name", &e))?,
            description: row
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()
                .map_err(|e| field("description", &e))?,
            price: PriceCents::new(row.price_cents).map_err(|e| field("price_cents", &e))?,
            currency: Currency::parse(&row.currency).map_err(|e| field("currency", &e))?,
            stock: Stock::new(row.stock).map_err(|e| field("stock", &e))?,
            sku: row.sku.as_deref().map(Sku::parse).transpose().map_err(|e| field("sku", &e))?,
            archived: row.archived,
            version: Version::new(row.version).map_err(|e| field("version", &e))?,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}
