//! Discount codes: what a code takes off, and when it may be used.
//!
//! Whether a use is left (`max_uses`, `max_uses_per_user`) is decided by the
//! store in the order's own transaction (a conditional update), never by a
//! read before it; [`Discount::refusal`] holds every other rule.

use std::fmt;
use thiserror::Error;

use crate::ids::DiscountId;
use crate::money::{Currency, PriceCents};
use crate::validation::ValidationErrors;
use crate::version::Version;
use crate::Timestamp;

/// A code as customers type it: 3..=32 of `[A-Za-z0-9_-]`, matched ignoring
/// case, kept upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DiscountCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be 3 to 32 letters, digits, '_' or '-'")]
pub struct InvalidDiscountCode;

impl DiscountCode {
    /// How many characters of `[A-Za-z0-9_-]`.
    pub const LENGTH: std::ops::RangeInclusive<usize> = 3..=32;

    pub fn parse(s: &str) -> Result<Self, InvalidDiscountCode> {
        let ok =
            Self::LENGTH.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(InvalidDiscountCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DiscountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a code takes off the subtotal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountKind {
    /// 1..=100 per cent, rounded half up to a whole cent.
    Percent(i64),
    /// A fixed amount in minor units (≥ 1), at most the subtotal.
    Fixed(i64),
}

impl DiscountKind {
    /// `kind` is `"percent"` or `"fixed"`; errors name `kind` or `value`.
    pub fn parse(kind: &str, value: i64) -> Result<Self, ValidationErrors> {
        match kind {
            "percent" if (1..=100).contains(&value) => Ok(DiscountKind::Percent(value)),
            "percent" => Err(ValidationErrors::single("value", "a percent code takes 1 to 100")),
            "fixed" if (1..=PriceCents::MAX).contains(&value) => Ok(DiscountKind::Fixed(value)),
            "fixed" => Err(ValidationErrors::single("value", "a fixed code takes 1 to 1000000000000 minor units")),
            _ => Err(ValidationErrors::single("kind", "must be percent or fixed")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DiscountKind::Percent(_) => "percent",
            DiscountKind::Fixed(_) => "fixed",
        }
    }

    pub fn value(self) -> i64 {
        match self {
            DiscountKind::Percent(v) | DiscountKind::Fixed(v) => v,
        }
    }
}

/// A use limit: at least 1 (`None` where a limit is optional means none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UseLimit(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be a whole number of at least 1, or null for no limit")]
pub struct InvalidUseLimit;

impl UseLimit {
    pub fn new(n: i64) -> Result<Self, InvalidUseLimit> {
        if n >= 1 {
            Ok(Self(n))
        } else {
            Err(InvalidUseLimit)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Why a code cannot be used on an order: the problem document's `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum DiscountRefusal {
    #[error("no such discount code")]
    Unknown,
    #[error("the discount code is not valid yet")]
    NotStarted,
    #[error("the discount code has expired")]
    Expired,
    #[error("the order's subtotal is below the code's minimum")]
    MinSubtotal,
    #[error("the discount code has no uses left")]
    Exhausted,
    #[error("you have used this discount code as often as it allows")]
    AlreadyUsed,
    #[error("the discount code is for another currency")]
    Currency,
}

impl DiscountRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscountRefusal::Unknown => "unknown",
            DiscountRefusal::NotStarted => "not_started",
            DiscountRefusal::Expired => "expired",
            DiscountRefusal::MinSubtotal => "min_subtotal",
            DiscountRefusal::Exhausted => "exhausted",
            DiscountRefusal::AlreadyUsed => "already_used",
            DiscountRefusal::Currency => "currency",
        }
    }
}

/// Whether the store could take one use of a code for an order: the answer
/// of its conditional update (or, for a quote, of reading the counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountUse {
    Taken,
    /// `uses` had reached `max_uses`.
    Exhausted,
    /// The customer's uses had reached `max_uses_per_user`.
    AlreadyUsed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount {
    pub id: DiscountId,
    pub code: DiscountCode,
    pub kind: DiscountKind,
    /// Required for fixed codes; a fixed code applies only to orders in it.
    pub currency: Option<Currency>,
    pub min_subtotal: Option<PriceCents>,
    pub starts_at: Option<Timestamp>,
    /// The first instant the code no longer applies.
    pub ends_at: Option<Timestamp>,
    pub max_uses: Option<UseLimit>,
    pub max_uses_per_user: Option<UseLimit>,
    /// Orders placed with the code that are not cancelled.
    pub uses: i64,
    /// Archived codes are unknown to orders; old orders keep theirs.
    pub archived: bool,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The terms of a code, validated together (`fixed` needs a currency,
/// `starts_at` before `ends_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscountTerms {
    pub kind: DiscountKind,
    pub currency: Option<Currency>,
    pub min_subtotal: Option<PriceCents>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub max_uses: Option<UseLimit>,
    pub max_uses_per_user: Option<UseLimit>,
}

impl DiscountTerms {
    pub fn check(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if matches!(self.kind, DiscountKind::Fixed(_)) && self.currency.is_none() {
            errors.push("currency", "a fixed code needs the currency of its amount");
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at) {
            if starts >= ends {
                errors.push("ends_at", "must be after starts_at");
            }
        }
        errors.into_result(|| self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDiscount {
    pub code: DiscountCode,
    pub terms: DiscountTerms,
}

impl NewDiscount {
    pub fn into_discount(self, id: DiscountId, now: Timestamp) -> Discount {
        Discount::from_terms(id, self.code, self.terms, 0, false, Version::INITIAL, now, now)
    }
}

/// A partial update: `code` and any terms; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscountChanges {
    pub code: Option<DiscountCode>,
    pub kind: Option<DiscountKind>,
    pub currency: Option<Option<Currency>>,
    pub min_subtotal: Option<Option<PriceCents>>,
    pub starts_at: Option<Option<Timestamp>>,
    pub ends_at: Option<Option<Timestamp>>,
    pub max_uses: Option<Option<UseLimit>>,
    pub max_uses_per_user: Option<Option<UseLimit>>,
}

impl Discount {
    #[allow(clippy::too_many_arguments)]
    pub fn from_terms(
        id: DiscountId,
        code: DiscountCode,
        terms: DiscountTerms,
        uses: i64,
        archived: bool,
        version: Version,
        created_at: Timestamp,
        updated_at: Timestamp,
    ) -> Self {
        Discount {
            id,
            code,
            kind: terms.kind,
            currency: terms.currency,
            min_subtotal: terms.min_subtotal,
            starts_at: terms.starts_at,
            ends_at: terms.ends_at,
            max_uses: terms.max_uses,
            max_uses_per_user: terms.max_uses_per_user,
            uses,
            archived,
            version,
            created_at,
            updated_at,
        }
    }

    pub fn terms(&self) -> DiscountTerms {
        DiscountTerms {
            kind: self.kind,
            currency: self.currency.clone(),
            min_subtotal: self.min_subtotal,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            max_uses: self.max_uses,
            max_uses_per_user: self.max_uses_per_user,
        }
    }

    /// The code after `changes`, one version later, or why the new terms do
    /// not hold together.
    pub fn apply(&self, changes: DiscountChanges, now: Timestamp) -> Result<Discount, ValidationErrors> {
        let old = self.terms();
        let terms = DiscountTerms {
            kind: changes.kind.unwrap_or(old.kind),
            currency: changes.currency.unwrap_or(old.currency),
            min_subtotal: changes.min_subtotal.unwrap_or(old.min_subtotal),
            starts_at: changes.starts_at.unwrap_or(old.starts_at),
            ends_at: changes.ends_at.unwrap_or(old.ends_at),
            max_uses: changes.max_uses.unwrap_or(old.max_uses),
            max_uses_per_user: changes.max_uses_per_user.unwrap_or(old.max_uses_per_user),
        }
        .check()?;
        let code = changes.code.unwrap_or_else(|| self.code.clone());
        Ok(Discount::from_terms(
            self.id,
            code,
            terms,
            self.uses,
            self.archived,
            self.version.next(),
            self.created_at,
            now,
        ))
    }

    /// The code archived, one version later; archiving twice changes nothing.
    pub fn archive(&self, now: Timestamp) -> Option<Discount> {
        (!self.archived).then(|| Discount {
            archived: true,
            version: self.version.next(),
            updated_at: now,
            ..self.clone()
        })
    }

    /// Why the code cannot apply to a subtotal in `currency` at `now`, in the
    /// order the reasons are reported; `None` when it may (uses aside).
    pub fn refusal(&self, subtotal_cents: i64, currency: &Currency, now: Timestamp) -> Option<DiscountRefusal> {
        if self.archived {
            return Some(DiscountRefusal::Unknown);
        }
        if self.starts_at.is_some_and(|starts| now < starts) {
            return Some(DiscountRefusal::NotStarted);
        }
        if self.ends_at.is_some_and(|ends| now >= ends) {
            return Some(DiscountRefusal::Expired);
        }
        if matches!(self.kind, DiscountKind::Fixed(_)) && self.currency.as_ref() != Some(currency) {
            return Some(DiscountRefusal::Currency);
        }
        if self.min_subtotal.is_some_and(|min| subtotal_cents < min.get()) {
            return Some(DiscountRefusal::MinSubtotal);
        }
        None
    }

    /// Whether one more use fits, given the customer's uses so far: what a
    /// quote reports (an order's own use is taken by a conditional update).
    pub fn use_left(&self, customer_uses: i64) -> DiscountUse {
        if self.max_uses.is_some_and(|max| self.uses >= max.get()) {
            DiscountUse::Exhausted
        } else if self.max_uses_per_user.is_some_and(|max| customer_uses >= max.get()) {
            DiscountUse::AlreadyUsed
        } else {
            DiscountUse::Taken
        }
    }

    /// What the code takes off `subtotal_cents`: never more than it.
    pub fn amount(&self, subtotal_cents: i64) -> i64 {
        match self.kind {
            DiscountKind::Percent(percent) => crate::pricing::ratio_half_up(subtotal_cents, percent, 100),
            DiscountKind::Fixed(cents) => cents.min(subtotal_cents),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    fn terms(kind: DiscountKind, currency: Option<&str>) -> DiscountTerms {
        DiscountTerms {
            kind,
            currency: currency.map(|c| Currency::parse(c).unwrap()),
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_user: None,
        }
    }

    pub(crate) fn discount(terms: DiscountTerms) -> Discount {
        NewDiscount { code: DiscountCode::parse("save10").unwrap(), terms }
            .into_discount(DiscountId::from_ulid(ulid::Ulid::from_parts(7, 7)), t0())
    }

    #[test]
    fn codes_are_three_to_thirty_two_safe_characters_kept_upper_case() {
        assert_eq!(DiscountCode::parse("save-10_x").unwrap().as_str(), "SAVE-10_X");
        for bad in ["ab", &"a".repeat(33), "SAVE 10", "ÄBC", "a.b"] {
            assert_eq!(DiscountCode::parse(bad), Err(InvalidDiscountCode), "{bad}");
        }
    }

    #[test]
    fn kinds_and_values_are_checked_together() {
        assert_eq!(DiscountKind::parse("percent", 10).unwrap(), DiscountKind::Percent(10));
        assert_eq!(DiscountKind::parse("percent", 101).unwrap_err().errors()[0].field, "value");
        assert_eq!(DiscountKind::parse("percent", 0).unwrap_err().errors()[0].field, "value");
        assert_eq!(DiscountKind::parse("fixed", 0).unwrap_err().errors()[0].field, "value");
        assert_eq!(DiscountKind::parse("bogo", 1).unwrap_err().errors()[0].field, "kind");
    }

    #[test]
    fn a_fixed_code_needs_a_currency_and_the_window_must_be_ordered() {
        let fixed = terms(DiscountKind::Fixed(500), None).check().unwrap_err();
        assert_eq!(fixed.errors()[0].field, "currency");
        let backwards =
            DiscountTerms { starts_at: Some(t0()), ends_at: Some(t0()), ..terms(DiscountKind::Percent(5), None) };
        assert_eq!(backwards.check().unwrap_err().errors()[0].field, "ends_at");
    }

    #[test]
    fn refusals_follow_the_window_the_currency_and_the_minimum_in_that_order() {
        let usd = Currency::usd();
        let window = DiscountTerms {
            starts_at: Some(t0()),
            ends_at: Some(t0() + Duration::days(1)),
            min_subtotal: Some(PriceCents::new(1000).unwrap()),
            ..terms(DiscountKind::Fixed(100), Some("EUR"))
        };
        let d = discount(window);
        assert_eq!(d.refusal(0, &usd, t0() - Duration::seconds(1)), Some(DiscountRefusal::NotStarted));
        assert_eq!(d.refusal(0, &usd, t0() + Duration::days(1)), Some(DiscountRefusal::Expired));
        assert_eq!(d.refusal(0, &usd, t0()), Some(DiscountRefusal::Currency));
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(d.refusal(999, &eur, t0()), Some(DiscountRefusal::MinSubtotal));
        assert_eq!(d.refusal(1000, &eur, t0()), None);
        assert_eq!(d.archive(t0()).unwrap().refusal(1000, &eur, t0()), Some(DiscountRefusal::Unknown));
    }

    #[test]
    fn a_percent_code_applies_in_any_currency() {
        let d = discount(terms(DiscountKind::Percent(10), None));
        assert_eq!(d.refusal(1, &Currency::parse("JPY").unwrap(), t0()), None);
    }

    #[test]
    fn a_quote_reports_the_limit_reached_first() {
        let mut d = discount(DiscountTerms {
            max_uses: Some(UseLimit::new(5).unwrap()),
            max_uses_per_user: Some(UseLimit::new(1).unwrap()),
            ..terms(DiscountKind::Percent(10), None)
        });
        assert_eq!(d.use_left(0), DiscountUse::Taken);
        assert_eq!(d.use_left(1), DiscountUse::AlreadyUsed);
        d.uses = 5;
        assert_eq!(d.use_left(1), DiscountUse::Exhausted);
    }

    #[test]
    fn amounts_round_percent_half_up_and_cap_fixed_at_the_subtotal() {
        let ten = discount(terms(DiscountKind::Percent(10), None));
        assert_eq!((ten.amount(1995), ten.amount(1994), ten.amount(5)), (200, 199, 1));
        assert_eq!(ten.amount(4), 0);
        let fixed = discount(terms(DiscountKind::Fixed(500), Some("USD")));
        assert_eq!((fixed.amount(2000), fixed.amount(300)), (500, 300));
    }

    #[test]
    fn applying_changes_rechecks_the_terms() {
        let d = discount(terms(DiscountKind::Percent(10), None));
        let bad = d.apply(DiscountChanges { kind: Some(DiscountKind::Fixed(5)), ..Default::default() }, t0());
        assert_eq!(bad.unwrap_err().errors()[0].field, "currency");
        let ok =
            d.apply(DiscountChanges { max_uses: Some(Some(UseLimit::new(3).unwrap())), ..Default::default() }, t0());
        assert_eq!(ok.unwrap().version.get(), 2);
    }
}
