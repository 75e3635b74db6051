//! What an order costs: ONE pure function, [`price`], behind every quote and
//! every order. It takes what the store found for each line (the product's
//! terms, or why its stock was not taken), the shipping method, the tax rate
//! and the discount code, and gives the amounts or the first refusal, in the
//! order refusals are reported:
//!
//! 1. products unavailable (unknown or archived), naming them;
//! 2. products short of stock, naming them;
//! 3. products in another currency than the first line's, naming them;
//! 4. the shipping method (`shipping_unavailable`);
//! 5. the discount code (`discount_unavailable` with its reason).
//!
//! The amounts, all in the order's currency (API.md, "Checkout"):
//! `subtotal = Σ unit × quantity`; `discount` = percent of the subtotal
//! rounded half up, or the fixed amount capped at the subtotal; `shipping` =
//! the method's price, or 0 without one or once `subtotal − discount` reaches
//! `free_over`; `tax = (subtotal − discount [+ shipping]) × rate_bp / 10000`
//! rounded half up; `total = subtotal − discount + shipping + tax`.

use thiserror::Error;

use crate::country::CountryCode;
use crate::discount::{Discount, DiscountRefusal, DiscountUse};
use crate::ids::ProductId;
use crate::money::{Currency, PriceCents};
use crate::order::{OrderItem, OrderLine};
use crate::shipping::ShippingMethod;
use crate::tax::TaxRate;
use crate::Timestamp;

/// A product's terms when its stock was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductTerms {
    pub name: String,
    pub unit_price: PriceCents,
    pub currency: Currency,
}

/// What the store found for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineStock {
    /// The stock is taken (or, for a quote, there is enough).
    Taken(ProductTerms),
    /// No such product, or it is archived.
    Unavailable,
    /// Too little stock for the line.
    Short,
}

/// The shipping method an order asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippingChoice<'a> {
    None,
    /// Asked for by an id no method has.
    Unknown,
    Method(&'a ShippingMethod),
}

/// The discount code an order asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountChoice<'a> {
    None,
    /// No code of that text.
    Unknown,
    /// The code, and whether the store could take a use of it.
    Code {
        discount: &'a Discount,
        usage: DiscountUse,
    },
}

/// Everything an order's price depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingInput<'a> {
    /// The request's lines in the client's order, with what the store found.
    pub lines: &'a [(OrderItem, LineStock)],
    /// The shipping address's country, if there is an address.
    pub country: Option<CountryCode>,
    pub shipping: ShippingChoice<'a>,
    /// The rate of `country`, if it has one.
    pub tax_rate: Option<&'a TaxRate>,
    pub discount: DiscountChoice<'a>,
    pub now: Timestamp,
}

/// The order's lines and amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    pub lines: Vec<OrderLine>,
    pub currency: Currency,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
}

/// Why an order cannot be placed (or quoted); nothing changes in any case.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PricingRefusal {
    #[error("products unavailable: {0:?}")]
    ProductUnavailable(Vec<ProductId>),
    #[error("insufficient stock: {0:?}")]
    InsufficientStock(Vec<ProductId>),
    #[error("mixed currencies: {0:?}")]
    MixedCurrencies(Vec<ProductId>),
    #[error("the shipping method cannot ship this order")]
    ShippingUnavailable,
    #[error("{0}")]
    DiscountUnavailable(DiscountRefusal),
}

/// `amount × numer / denom` rounded half up, for non-negative operands; in
/// 128 bits, so no order's amounts can overflow on the way.
pub(crate) fn ratio_half_up(amount: i64, numer: i64, denom: i64) -> i64 {
    let (amount, numer, denom) = (i128::from(amount), i128::from(numer), i128::from(denom));
    let rounded = (2 * amount * numer + denom) / (2 * denom);
    // At most `amount × numer / denom + 1` with numer ≤ denom: fits.
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Prices an order, or says why it is refused (module docs).
pub fn price(input: &PricingInput<'_>) -> Result<Pricing, PricingRefusal> {
    let at_fault = |wanted: fn(&LineStock) -> bool| -> Vec<ProductId> {
        input.lines.iter().filter(|(_, stock)| wanted(stock)).map(|(item, _)| item.product_id).collect()
    };
    let unavailable = at_fault(|s| matches!(s, LineStock::Unavailable));
    if !unavailable.is_empty() {
        return Err(PricingRefusal::ProductUnavailable(unavailable));
    }
    let short = at_fault(|s| matches!(s, LineStock::Short));
    if !short.is_empty() {
        return Err(PricingRefusal::InsufficientStock(short));
    }
    let terms: Vec<(&OrderItem, &ProductTerms)> = input
        .lines
        .iter()
        .filter_map(|(item, stock)| match stock {
            LineStock::Taken(terms) => Some((item, terms)),
            LineStock::Unavailable | LineStock::Short => None,
        })
        .collect();
    let currency = terms.first().map(|(_, t)| t.currency.clone()).unwrap_or_default();
    let foreign: Vec<ProductId> =
        terms.iter().filter(|(_, t)| t.currency != currency).map(|(item, _)| item.product_id).collect();
    if !foreign.is_empty() {
        return Err(PricingRefusal::MixedCurrencies(foreign));
    }
    let lines: Vec<OrderLine> = terms
        .iter()
        .map(|(item, t)| OrderLine {
            product_id: item.product_id,
            name: t.name.clone(),
            quantity: item.quantity,
            unit_price_cents: t.unit_price.get(),
            // Bounded by PriceCents::MAX × Quantity::MAX × MAX_LINES < i64::MAX.
            line_total_cents: t.unit_price.get() * item.quantity.get(),
        })
        .collect();
    let subtotal_cents: i64 = lines.iter().map(|l| l.line_total_cents).sum();

    let method = match (input.shipping, input.country) {
        (ShippingChoice::None, _) => None,
        (ShippingChoice::Method(method), Some(country)) if method.serves(country, &currency) => Some(method),
        (ShippingChoice::Method(_) | ShippingChoice::Unknown, _) => return Err(PricingRefusal::ShippingUnavailable),
    };

    let discount_cents = match input.discount {
        DiscountChoice::None => 0,
        DiscountChoice::Unknown => return Err(PricingRefusal::DiscountUnavailable(DiscountRefusal::Unknown)),
        DiscountChoice::Code { discount, usage } => {
            if let Some(refusal) = discount.refusal(subtotal_cents, &currency, input.now) {
                return Err(PricingRefusal::DiscountUnavailable(refusal));
            }
            match usage {
                DiscountUse::Taken => discount.amount(subtotal_cents),
                DiscountUse::Exhausted => return Err(PricingRefusal::DiscountUnavailable(DiscountRefusal::Exhausted)),
                DiscountUse::AlreadyUsed => {
                    return Err(PricingRefusal::DiscountUnavailable(DiscountRefusal::AlreadyUsed))
                }
            }
        }
    };
    let discounted = subtotal_cents - discount_cents;

    let shipping_cents = match method {
        Some(method) if method.free_over.is_some_and(|free| discounted >= free.get()) => 0,
        Some(method) => method.price.get(),
        None => 0,
    };
    let rate = input.tax_rate.filter(|rate| Some(rate.country) == input.country);
    let tax_cents = match rate {
        Some(rate) => {
            let taxed = discounted + if rate.includes_shipping { shipping_cents } else { 0 };
            ratio_half_up(taxed, rate.rate.get(), 10_000)
        }
        None => 0,
    };
    Ok(Pricing {
        lines,
        currency,
        subtotal_cents,
        discount_cents,
        shipping_cents,
        tax_cents,
        total_cents: discounted + shipping_cents + tax_cents,
    })
}

#[cfg(test)]
mod tests;
