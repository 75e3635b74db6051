//! Money: integer minor units and an ISO 4217 currency code. No floats.

use std::fmt;
use thiserror::Error;

/// A price in minor units (cents): 0..=10^12, so that a line (≤ 1000 units)
/// and an order (≤ 100 lines) can never overflow an `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PriceCents(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be a whole number of minor units from 0 to 1000000000000")]
pub struct InvalidPrice;

impl PriceCents {
    pub const MAX: i64 = 1_000_000_000_000;
    pub const ZERO: PriceCents = PriceCents(0);

    pub fn new(cents: i64) -> Result<Self, InvalidPrice> {
        if (0..=Self::MAX).contains(&cents) {
            Ok(Self(cents))
        } else {
            Err(InvalidPrice)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// An ISO 4217 alphabetic code: three upper-case letters, `USD` by default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be an ISO 4217 code of three upper-case letters, such as USD")]
pub struct InvalidCurrency;

impl Currency {
    pub fn parse(s: &str) -> Result<Self, InvalidCurrency> {
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidCurrency)
        }
    }

    pub fn usd() -> Self {
        Self("USD".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Currency {
    fn default() -> Self {
        Self::usd()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_non_negative_and_bounded() {
        assert!(PriceCents::new(0).is_ok());
        assert!(PriceCents::new(PriceCents::MAX).is_ok());
        assert_eq!(PriceCents::new(-1), Err(InvalidPrice));
        assert_eq!(PriceCents::new(PriceCents::MAX + 1), Err(InvalidPrice));
    }

    #[test]
    fn currencies_are_three_upper_case_letters() {
        assert_eq!(Currency::parse("EUR").unwrap().as_str(), "EUR");
        for bad in ["eur", "EURO", "E1R", ""] {
            assert_eq!(Currency::parse(bad), Err(InvalidCurrency), "{bad}");
        }
        assert_eq!(Currency::default().as_str(), "USD");
    }
}
