//! Tax rates: one per country, in basis points; prices are net of tax.

use thiserror::Error;

use crate::country::CountryCode;
use crate::ids::TaxRateId;
use crate::version::Version;
use crate::Timestamp;

/// A rate in basis points, 0..=10000 (`1900` is 19 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RateBp(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be a whole number of basis points from 0 to 10000")]
pub struct InvalidRate;

impl RateBp {
    pub const MAX: i64 = 10_000;

    pub fn new(bp: i64) -> Result<Self, InvalidRate> {
        if (0..=Self::MAX).contains(&bp) {
            Ok(Self(bp))
        } else {
            Err(InvalidRate)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub id: TaxRateId,
    pub country: CountryCode,
    pub rate: RateBp,
    /// Whether shipping is taxed too.
    pub includes_shipping: bool,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaxRate {
    pub country: CountryCode,
    pub rate: RateBp,
    pub includes_shipping: bool,
}

impl NewTaxRate {
    pub fn into_rate(self, id: TaxRateId, now: Timestamp) -> TaxRate {
        TaxRate {
            id,
            country: self.country,
            rate: self.rate,
            includes_shipping: self.includes_shipping,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxRateChanges {
    pub country: Option<CountryCode>,
    pub rate: Option<RateBp>,
    pub includes_shipping: Option<bool>,
}

impl TaxRate {
    /// The rate after `changes`, one version later.
    pub fn apply(&self, changes: TaxRateChanges, now: Timestamp) -> TaxRate {
        TaxRate {
            country: changes.country.unwrap_or(self.country),
            rate: changes.rate.unwrap_or(self.rate),
            includes_shipping: changes.includes_shipping.unwrap_or(self.includes_shipping),
            version: self.version.next(),
            updated_at: now,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_zero_to_ten_thousand_basis_points() {
        assert!(RateBp::new(0).is_ok());
        assert_eq!(RateBp::new(1900).unwrap().get(), 1900);
        assert!(RateBp::new(10_000).is_ok());
        assert_eq!(RateBp::new(-1), Err(InvalidRate));
        assert_eq!(RateBp::new(10_001), Err(InvalidRate));
    }
}
