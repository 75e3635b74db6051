use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use ulid::Ulid;

use super::*;
use crate::cart::Quantity;
use crate::discount::{DiscountCode, DiscountKind, DiscountTerms, NewDiscount, UseLimit};
use crate::ids::{DiscountId, ShippingMethodId, TaxRateId};
use crate::shipping::{Countries, MethodName, NewShippingMethod};
use crate::tax::{NewTaxRate, RateBp};

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn pid(n: u64) -> ProductId {
    ProductId::from_ulid(Ulid::from_parts(n, 0))
}

fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

fn line(n: u64, price: i64, quantity: i64, currency: &str) -> (OrderItem, LineStock) {
    let terms = ProductTerms {
        name: format!("product {n}"),
        unit_price: PriceCents::new(price).unwrap(),
        currency: Currency::parse(currency).unwrap(),
    };
    (OrderItem { product_id: pid(n), quantity: Quantity::new(quantity).unwrap() }, LineStock::Taken(terms))
}

fn fault(n: u64, stock: LineStock) -> (OrderItem, LineStock) {
    (OrderItem { product_id: pid(n), quantity: Quantity::new(1).unwrap() }, stock)
}

fn method(price: i64, free_over: Option<i64>, countries: &[&str]) -> ShippingMethod {
    NewShippingMethod {
        name: MethodName::parse("Parcel").unwrap(),
        price: PriceCents::new(price).unwrap(),
        currency: Currency::usd(),
        countries: Countries::new(countries.iter().map(|c| country(c)).collect()),
        free_over: free_over.map(|f| PriceCents::new(f).unwrap()),
    }
    .into_method(ShippingMethodId::from_ulid(Ulid::from_parts(3, 3)), t0())
}

fn rate(code: &str, bp: i64, includes_shipping: bool) -> TaxRate {
    NewTaxRate { country: country(code), rate: RateBp::new(bp).unwrap(), includes_shipping }
        .into_rate(TaxRateId::from_ulid(Ulid::from_parts(4, 4)), t0())
}

fn discount(kind: DiscountKind, currency: Option<&str>) -> Discount {
    let terms = DiscountTerms {
        kind,
        currency: currency.map(|c| Currency::parse(c).unwrap()),
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: Some(UseLimit::new(5).unwrap()),
        max_uses_per_user: None,
    };
    NewDiscount { code: DiscountCode::parse("SAVE10").unwrap(), terms }
        .into_discount(DiscountId::from_ulid(Ulid::from_parts(5, 5)), t0())
}

fn plain(lines: &[(OrderItem, LineStock)]) -> PricingInput<'_> {
    PricingInput {
        lines,
        country: None,
        shipping: ShippingChoice::None,
        tax_rate: None,
        discount: DiscountChoice::None,
        now: t0(),
    }
}

#[test]
fn a_plain_order_costs_its_lines_and_nothing_else() {
    let lines = [line(2, 1999, 3, "EUR"), line(1, 1, 1000, "EUR")];
    let p = price(&plain(&lines)).unwrap();
    assert_eq!(p.lines.iter().map(|l| l.line_total_cents).collect::<Vec<_>>(), [5997, 1000]);
    assert_eq!(p.lines[0].product_id, pid(2), "lines keep the request's order");
    assert_eq!((p.subtotal_cents, p.discount_cents, p.shipping_cents, p.tax_cents), (6997, 0, 0, 0));
    assert_eq!((p.total_cents, p.currency.as_str()), (6997, "EUR"));
}

#[test]
fn unavailable_products_are_named_before_short_ones_in_the_requests_order() {
    let lines = [fault(3, LineStock::Unavailable), fault(1, LineStock::Short), fault(2, LineStock::Unavailable)];
    assert_eq!(price(&plain(&lines)), Err(PricingRefusal::ProductUnavailable(vec![pid(3), pid(2)])));
    let lines = [fault(2, LineStock::Short), line(3, 100, 1, "USD"), fault(1, LineStock::Short)];
    assert_eq!(price(&plain(&lines)), Err(PricingRefusal::InsufficientStock(vec![pid(2), pid(1)])));
}

#[test]
fn a_second_currency_is_refused_naming_its_products() {
    let lines = [line(1, 100, 1, "USD"), line(2, 100, 1, "EUR"), line(3, 100, 1, "USD")];
    assert_eq!(price(&plain(&lines)), Err(PricingRefusal::MixedCurrencies(vec![pid(2)])));
}

#[test]
fn the_full_checkout_adds_up_as_api_md_says() {
    // 2 × 12.50 = 25.00; 10 % off = 2.50; shipping 4.90; 19 % of (22.50 + 4.90) = 5.206 → 5.21.
    let lines = [line(1, 1250, 2, "USD")];
    let (ship, tax, code) =
        (method(490, None, &["DE", "FR"]), rate("DE", 1900, true), discount(DiscountKind::Percent(10), None));
    let input = PricingInput {
        country: Some(country("DE")),
        shipping: ShippingChoice::Method(&ship),
        tax_rate: Some(&tax),
        discount: DiscountChoice::Code { discount: &code, usage: DiscountUse::Taken },
        ..plain(&lines)
    };
    let p = price(&input).unwrap();
    assert_eq!((p.subtotal_cents, p.discount_cents, p.shipping_cents, p.tax_cents), (2500, 250, 490, 521));
    assert_eq!(p.total_cents, 2500 - 250 + 490 + 521);
}

#[test]
fn tax_leaves_shipping_out_unless_the_rate_includes_it() {
    let lines = [line(1, 1000, 1, "USD")];
    let ship = method(500, None, &[]);
    let tax = rate("DE", 1000, false);
    let input = PricingInput {
        country: Some(country("DE")),
        shipping: ShippingChoice::Method(&ship),
        tax_rate: Some(&tax),
        ..plain(&lines)
    };
    assert_eq!(price(&input).unwrap().tax_cents, 100);
}

#[test]
fn a_rate_of_another_country_or_no_address_means_no_tax() {
    let lines = [line(1, 1000, 1, "USD")];
    let fr = rate("FR", 2000, false);
    let to_de = PricingInput { country: Some(country("DE")), tax_rate: Some(&fr), ..plain(&lines) };
    assert_eq!(price(&to_de).unwrap().tax_cents, 0);
    let nowhere = PricingInput { tax_rate: Some(&fr), ..plain(&lines) };
    assert_eq!(price(&nowhere).unwrap().tax_cents, 0);
}

#[test]
fn shipping_is_free_once_the_discounted_subtotal_reaches_free_over() {
    let lines = [line(1, 5000, 1, "USD")];
    let ship = method(490, Some(4500), &[]);
    let code = |off| discount(DiscountKind::Fixed(off), Some("USD"));
    let (at, below) = (code(500), code(501));
    let with = |d: &'_ Discount| {
        let input = PricingInput {
            country: Some(country("US")),
            shipping: ShippingChoice::Method(&ship),
            discount: DiscountChoice::Code { discount: d, usage: DiscountUse::Taken },
            ..plain(&lines)
        };
        price(&input).unwrap().shipping_cents
    };
    assert_eq!(with(&at), 0, "5000 − 500 = 4500 reaches free_over");
    assert_eq!(with(&below), 490, "4499 does not");
}

#[test]
fn a_method_that_cannot_ship_this_order_is_refused() {
    let lines = [line(1, 100, 1, "USD")];
    let only_fr = method(100, None, &["FR"]);
    let mut archived = method(100, None, &[]);
    archived.archived = true;
    let mut in_eur = method(100, None, &[]);
    in_eur.currency = Currency::parse("EUR").unwrap();
    for m in [&only_fr, &archived, &in_eur] {
        let input = PricingInput { country: Some(country("DE")), shipping: ShippingChoice::Method(m), ..plain(&lines) };
        assert_eq!(price(&input), Err(PricingRefusal::ShippingUnavailable), "{m:?}");
    }
    let unknown = PricingInput { country: Some(country("DE")), shipping: ShippingChoice::Unknown, ..plain(&lines) };
    assert_eq!(price(&unknown), Err(PricingRefusal::ShippingUnavailable));
    let no_address = PricingInput { shipping: ShippingChoice::Method(&only_fr), ..plain(&lines) };
    assert_eq!(price(&no_address), Err(PricingRefusal::ShippingUnavailable));
}

#[test]
fn stock_is_reported_before_shipping_and_shipping_before_the_discount() {
    let lines = [fault(1, LineStock::Short)];
    let input = PricingInput { shipping: ShippingChoice::Unknown, discount: DiscountChoice::Unknown, ..plain(&lines) };
    assert_eq!(price(&input), Err(PricingRefusal::InsufficientStock(vec![pid(1)])));
    let lines = [line(1, 100, 1, "USD")];
    let input = PricingInput { lines: &lines, ..input };
    assert_eq!(price(&input), Err(PricingRefusal::ShippingUnavailable));
}

#[test]
fn every_discount_refusal_carries_its_reason() {
    let lines = [line(1, 1000, 1, "USD")];
    let with = |choice| price(&PricingInput { discount: choice, ..plain(&lines) });
    let refused = |reason| Err(PricingRefusal::DiscountUnavailable(reason));
    assert_eq!(with(DiscountChoice::Unknown), refused(DiscountRefusal::Unknown));
    let code = discount(DiscountKind::Percent(10), None);
    assert_eq!(
        with(DiscountChoice::Code { discount: &code, usage: DiscountUse::Exhausted }),
        refused(DiscountRefusal::Exhausted)
    );
    assert_eq!(
        with(DiscountChoice::Code { discount: &code, usage: DiscountUse::AlreadyUsed }),
        refused(DiscountRefusal::AlreadyUsed)
    );
    let eur = discount(DiscountKind::Fixed(100), Some("EUR"));
    assert_eq!(
        with(DiscountChoice::Code { discount: &eur, usage: DiscountUse::Taken }),
        refused(DiscountRefusal::Currency)
    );
    let mut min = discount(DiscountKind::Percent(10), None);
    min.min_subtotal = Some(PriceCents::new(1001).unwrap());
    assert_eq!(
        with(DiscountChoice::Code { discount: &min, usage: DiscountUse::Taken }),
        refused(DiscountRefusal::MinSubtotal)
    );
    let mut late = discount(DiscountKind::Percent(10), None);
    late.ends_at = Some(t0());
    assert_eq!(
        with(DiscountChoice::Code { discount: &late, usage: DiscountUse::Taken }),
        refused(DiscountRefusal::Expired)
    );
    let mut early = discount(DiscountKind::Percent(10), None);
    early.starts_at = Some(t0() + chrono::Duration::seconds(1));
    assert_eq!(
        with(DiscountChoice::Code { discount: &early, usage: DiscountUse::Taken }),
        refused(DiscountRefusal::NotStarted)
    );
    // A rule refusal wins over the use count: the code is unusable anyway.
    assert_eq!(
        with(DiscountChoice::Code { discount: &late, usage: DiscountUse::Exhausted }),
        refused(DiscountRefusal::Expired)
    );
}

#[test]
fn percent_and_tax_round_half_up_exactly() {
    assert_eq!(ratio_half_up(5, 10, 100), 1, "0.5 → 1");
    assert_eq!(ratio_half_up(4, 10, 100), 0, "0.4 → 0");
    assert_eq!(ratio_half_up(15, 10, 100), 2, "1.5 → 2");
    assert_eq!(ratio_half_up(250, 1900, 10_000), 48, "47.5 → 48");
    assert_eq!(ratio_half_up(249, 1900, 10_000), 47, "47.31 → 47");
    let max = PriceCents::MAX * Quantity::MAX * 100;
    assert_eq!(ratio_half_up(max, 100, 100), max, "the largest order does not overflow");
}

/// A line of up to 100 units at up to 10^12 cents, in USD.
fn any_lines() -> impl Strategy<Value = Vec<(OrderItem, LineStock)>> {
    proptest::collection::vec((0..=PriceCents::MAX, 1..=Quantity::MAX), 1..=100)
        .prop_map(|lines| lines.into_iter().enumerate().map(|(n, (p, q))| line(n as u64, p, q, "USD")).collect())
}

/// Whether `rounded` is `numer / denom` rounded half up: in `[x − ½, x + ½)`.
fn is_half_up(rounded: i64, numer: i128, denom: i128) -> bool {
    let r = i128::from(rounded);
    2 * r * denom - denom <= 2 * numer && 2 * numer < 2 * r * denom + denom
}

proptest! {
    #[test]
    fn amounts_add_up_are_never_negative_and_round_as_api_md_says(
        lines in any_lines(),
        percent in proptest::option::of(1_i64..=100),
        fixed in 1..=PriceCents::MAX,
        ship_price in 0..=PriceCents::MAX,
        free_over in proptest::option::of(0..=PriceCents::MAX),
        bp in 0..=RateBp::MAX,
        includes_shipping in any::<bool>(),
        with_shipping in any::<bool>(),
    ) {
        let code = match percent {
            Some(p) => discount(DiscountKind::Percent(p), None),
            None => discount(DiscountKind::Fixed(fixed), Some("USD")),
        };
        let ship = method(ship_price, free_over, &[]);
        let tax = rate("DE", bp, includes_shipping);
        let input = PricingInput {
            lines: &lines,
            country: Some(country("DE")),
            shipping: if with_shipping { ShippingChoice::Method(&ship) } else { ShippingChoice::None },
            tax_rate: Some(&tax),
            discount: DiscountChoice::Code { discount: &code, usage: DiscountUse::Taken },
            now: t0(),
        };
        let p = price(&input).unwrap();
        prop_assert_eq!(p.total_cents, p.subtotal_cents - p.discount_cents + p.shipping_cents + p.tax_cents);
        for amount in [p.subtotal_cents, p.discount_cents, p.shipping_cents, p.tax_cents, p.total_cents] {
            prop_assert!(amount >= 0);
        }
        prop_assert!(p.discount_cents <= p.subtotal_cents);
        let expected_subtotal: i64 = lines.iter().map(|(item, stock)| match stock {
            LineStock::Taken(t) => t.unit_price.get() * item.quantity.get(),
            _ => 0,
        }).sum();
        prop_assert_eq!(p.subtotal_cents, expected_subtotal);
        match percent {
            Some(pc) => prop_assert!(is_half_up(p.discount_cents, i128::from(p.subtotal_cents) * i128::from(pc), 100)),
            None => prop_assert_eq!(p.discount_cents, fixed.min(p.subtotal_cents)),
        }
        let discounted = p.subtotal_cents - p.discount_cents;
        let free = free_over.is_some_and(|f| discounted >= f);
        prop_assert_eq!(p.shipping_cents, if with_shipping && !free { ship_price } else { 0 });
        let taxed = discounted + if includes_shipping { p.shipping_cents } else { 0 };
        prop_assert!(is_half_up(p.tax_cents, i128::from(taxed) * i128::from(bp), 10_000));
    }

    #[test]
    fn any_line_at_fault_refuses_the_whole_order(lines in any_lines(), at in 0_usize..100, short in any::<bool>()) {
        let mut lines = lines;
        let at = at % lines.len();
        lines[at].1 = if short { LineStock::Short } else { LineStock::Unavailable };
        let id = lines[at].0.product_id;
        let expected = if short { PricingRefusal::InsufficientStock(vec![id]) } else { PricingRefusal::ProductUnavailable(vec![id]) };
        prop_assert_eq!(price(&plain(&lines)), Err(expected));
    }
}
