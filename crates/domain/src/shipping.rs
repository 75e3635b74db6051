//! Shipping methods: what shipping costs, where a method ships, and when it
//! is free.

use crate::country::CountryCode;
use crate::ids::ShippingMethodId;
use crate::money::{Currency, PriceCents};
use crate::text::{TextError, TextRule};
use crate::version::Version;
use crate::Timestamp;

/// A shipping method's name: 1..=200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodName(String);

impl MethodName {
    pub const RULE: TextRule = TextRule::line(1, 200);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a method ships: a set of countries, empty meaning everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Countries(Vec<CountryCode>);

impl Countries {
    /// Sorted and without repeats, so two equal sets are stored alike.
    pub fn new(mut countries: Vec<CountryCode>) -> Self {
        countries.sort();
        countries.dedup();
        Self(countries)
    }

    pub fn everywhere() -> Self {
        Self(Vec::new())
    }

    pub fn contains(&self, country: CountryCode) -> bool {
        self.0.is_empty() || self.0.binary_search(&country).is_ok()
    }

    pub fn as_slice(&self) -> &[CountryCode] {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingMethod {
    pub id: ShippingMethodId,
    pub name: MethodName,
    pub price: PriceCents,
    pub currency: Currency,
    pub countries: Countries,
    /// Shipping costs nothing when the subtotal after discount is at least this.
    pub free_over: Option<PriceCents>,
    /// Archived methods are never listed and cannot be chosen; orders keep them.
    pub archived: bool,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShippingMethod {
    pub name: MethodName,
    pub price: PriceCents,
    pub currency: Currency,
    pub countries: Countries,
    pub free_over: Option<PriceCents>,
}

impl NewShippingMethod {
    pub fn into_method(self, id: ShippingMethodId, now: Timestamp) -> ShippingMethod {
        ShippingMethod {
            id,
            name: self.name,
            price: self.price,
            currency: self.currency,
            countries: self.countries,
            free_over: self.free_over,
            archived: false,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A partial update; `Some(None)` clears `free_over`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShippingMethodChanges {
    pub name: Option<MethodName>,
    pub price: Option<PriceCents>,
    pub currency: Option<Currency>,
    pub countries: Option<Countries>,
    pub free_over: Option<Option<PriceCents>>,
}

impl ShippingMethod {
    /// Whether an order in `currency` to `country` may use this method.
    pub fn serves(&self, country: CountryCode, currency: &Currency) -> bool {
        !self.archived && self.currency == *currency && self.countries.contains(country)
    }

    /// The method after `changes`, one version later.
    pub fn apply(&self, changes: ShippingMethodChanges, now: Timestamp) -> ShippingMethod {
        ShippingMethod {
            name: changes.name.unwrap_or_else(|| self.name.clone()),
            price: changes.price.unwrap_or(self.price),
            currency: changes.currency.unwrap_or_else(|| self.currency.clone()),
            countries: changes.countries.unwrap_or_else(|| self.countries.clone()),
            free_over: changes.free_over.unwrap_or(self.free_over),
            version: self.version.next(),
            updated_at: now,
            ..self.clone()
        }
    }

    /// The method archived, one version later; archiving twice changes nothing.
    pub fn archive(&self, now: Timestamp) -> Option<ShippingMethod> {
        (!self.archived).then(|| ShippingMethod {
            archived: true,
            version: self.version.next(),
            updated_at: now,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> CountryCode {
        CountryCode::parse("DE").unwrap()
    }

    #[test]
    fn an_empty_country_list_ships_everywhere() {
        assert!(Countries::everywhere().contains(de()));
        let only_fr = Countries::new(vec![CountryCode::parse("FR").unwrap()]);
        assert!(!only_fr.contains(de()));
    }

    #[test]
    fn countries_are_kept_sorted_and_unique() {
        let c = |s| CountryCode::parse(s).unwrap();
        let set = Countries::new(vec![c("FR"), c("DE"), c("FR")]);
        assert_eq!(set.as_slice(), [c("DE"), c("FR")]);
    }
}
