//! Products: their value objects and the rules of changing or archiving one.

use thiserror::Error;

use crate::ids::ProductId;
use crate::money::{Currency, PriceCents};
use crate::text::{TextError, TextRule};
use crate::version::Version;
use crate::Timestamp;

/// A product's name: 1..=200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    pub const RULE: TextRule = TextRule::line(1, 200);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product's description: up to 5000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const RULE: TextRule = TextRule::lines(1, 5000);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stock-keeping unit: 1..=64 of `[A-Za-z0-9_.-]`, unique when given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sku(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be 1 to 64 letters, digits, '_', '.' or '-'")]
pub struct InvalidSku;

impl Sku {
    /// How many characters of `[A-Za-z0-9_.-]`.
    pub const LENGTH: std::ops::RangeInclusive<usize> = 1..=64;

    pub fn parse(s: &str) -> Result<Self, InvalidSku> {
        let ok = Self::LENGTH.contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidSku)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Units on hand: 0..=10^9. Never negative, whatever the concurrency (the
/// stores decrement it only where enough remains).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stock(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be a whole number from 0 to 1000000000")]
pub struct InvalidStock;

impl Stock {
    pub const MAX: i64 = 1_000_000_000;

    pub fn new(units: i64) -> Result<Self, InvalidStock> {
        if (0..=Self::MAX).contains(&units) {
            Ok(Self(units))
        } else {
            Err(InvalidStock)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: ProductId,
    pub name: ProductName,
    pub description: Option<Description>,
    pub price: PriceCents,
    pub currency: Currency,
    pub stock: Stock,
    pub sku: Option<Sku>,
    /// Archived products leave listings and cannot be ordered; old orders keep them.
    pub archived: bool,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What creating a product supplies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub name: ProductName,
    pub description: Option<Description>,
    pub price: PriceCents,
    pub currency: Currency,
    pub stock: Stock,
    pub sku: Option<Sku>,
}

impl NewProduct {
    pub fn into_product(self, id: ProductId, now: Timestamp) -> Product {
        Product {
            id,
            name: self.name,
            description: self.description,
            price: self.price,
            currency: self.currency,
            stock: self.stock,
            sku: self.sku,
            archived: false,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A partial update; `Some(None)` clears `description` or `sku`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductChanges {
    pub name: Option<ProductName>,
    pub description: Option<Option<Description>>,
    pub price: Option<PriceCents>,
    pub currency: Option<Currency>,
    pub stock: Option<Stock>,
    pub sku: Option<Option<Sku>>,
}

impl Product {
    /// The product after `changes`, one version later.
    pub fn apply(&self, changes: ProductChanges, now: Timestamp) -> Product {
        Product {
            name: changes.name.unwrap_or_else(|| self.name.clone()),
            description: changes.description.unwrap_or_else(|| self.description.clone()),
            price: changes.price.unwrap_or(self.price),
            currency: changes.currency.unwrap_or_else(|| self.currency.clone()),
            stock: changes.stock.unwrap_or(self.stock),
            sku: changes.sku.unwrap_or_else(|| self.sku.clone()),
            version: self.version.next(),
            updated_at: now,
            ..self.clone()
        }
    }

    /// The product archived, one version later.
    pub fn archive(&self, now: Timestamp) -> Product {
        Product { archived: true, version: self.version.next(), updated_at: now, ..self.clone() }
    }

    /// Whether it can go into a cart or an order.
    pub fn is_orderable(&self) -> bool {
        !self.archived
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use ulid::Ulid;

    pub fn sample(now: Timestamp) -> Product {
        NewProduct {
            name: ProductName::parse("Teapot").unwrap(),
            description: None,
            price: PriceCents::new(1999).unwrap(),
            currency: Currency::usd(),
            stock: Stock::new(10).unwrap(),
            sku: Some(Sku::parse("TEA-1").unwrap()),
        }
        .into_product(ProductId::from_ulid(Ulid::from_parts(1, 1)), now)
    }

    fn t0() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_new_product_is_live_at_version_one() {
        let p = sample(t0());
        assert_eq!(p.version, Version::INITIAL);
        assert!(p.is_orderable());
    }

    #[test]
    fn changes_bump_the_version_and_null_clears_the_sku() {
        let later = t0() + chrono::Duration::seconds(1);
        let changes =
            ProductChanges { price: Some(PriceCents::new(2500).unwrap()), sku: Some(None), ..Default::default() };
        let p = sample(t0()).apply(changes, later);
        assert_eq!(p.price.get(), 2500);
        assert_eq!(p.sku, None);
        assert_eq!(p.version.get(), 2);
        assert_eq!(p.updated_at, later);
        assert_eq!(p.name.as_str(), "Teapot");
    }

    #[test]
    fn archiving_makes_it_unorderable_one_version_later() {
        let p = sample(t0()).archive(t0());
        assert!(p.archived && !p.is_orderable());
        assert_eq!(p.version.get(), 2);
    }

    #[test]
    fn value_objects_refuse_what_they_cannot_hold() {
        assert!(Sku::parse("has space").is_err());
        assert!(Sku::parse("").is_err());
        assert!(Stock::new(-1).is_err());
        assert!(Stock::new(Stock::MAX + 1).is_err());
        assert!(ProductName::parse("").is_err());
        assert!(Description::parse("line one\nline two").is_ok());
    }
}
