//! The terminal side of the demo shop (`zonmart demo`, `zonmart serve
//! --demo`): the progress line on stderr while it writes, and what it made
//! on stdout, passwords included (the only time they are shown).

use std::io::{IsTerminal, Write};

use tracing::instrument::WithSubscriber;

use zonmart_app::demo::{Progress, Tally};
use zonmart_app::{DemoError, DemoReport};
use zonmart_domain::OrderStatus;

use crate::state::AppState;

/// Writes the demo shop through `state`'s services, showing progress on
/// stderr: one line rewritten in place on a terminal, a line per finished
/// stage elsewhere (CI logs).
pub async fn seed(state: &AppState, force: bool) -> Result<DemoReport, DemoError> {
    let terminal = std::io::stderr().is_terminal();
    let mut show = |p: Progress| {
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not stop the demo.
        let _ = if terminal {
            write!(err, "\r\x1b[Kdemo: {} {}/{}", p.stage, p.done, p.total)
        } else if p.done == p.total {
            writeln!(err, "demo: {} {}/{}", p.stage, p.done, p.total)
        } else {
            Ok(())
        };
    };
    // The use cases log each product and order they write; here the
    // progress line says it, and the log stays readable around the passwords.
    let result = state
        .demo
        .seed(state.demo_shop(), force, &mut show)
        .with_subscriber(tracing::subscriber::NoSubscriber::default())
        .await;
    if terminal {
        eprintln!();
    }
    result
}

fn tally(t: Tally, what: &str) -> String {
    match (t.created, t.existing) {
        (created, 0) => format!("{created} {what}"),
        (0, existing) => format!("{existing} {what} (all there already)"),
        (created, existing) => format!("{} {what} ({created} new, {existing} there already)", created + existing),
    }
}

/// What the demo made, for stdout. The user lines read
/// `  <role> <username> password <password>` (scripts parse them).
pub fn describe(report: &DemoReport, database: &str) -> String {
    let mut out = format!("Demo shop in {database}:\n");
    for user in &report.users {
        out.push_str(&format!("  {:<9}{:<7} password {}\n", user.role.as_str(), user.username, user.password));
    }
    out.push_str(&format!(
        "  {}, {} sold out, {} archived\n  {} to {}, {}, discount code {}\n",
        tally(report.products, "products"),
        report.sold_out,
        report.archived,
        tally(report.shipping_methods, "shipping methods"),
        report.countries.join(", "),
        tally(report.tax_rates, "tax rates"),
        report.discount_code,
    ));
    if report.orders.is_empty() {
        out.push_str("  past orders: there already, none added\n");
    } else {
        let by_status: Vec<String> = [
            OrderStatus::Pending,
            OrderStatus::Paid,
            OrderStatus::Shipped,
            OrderStatus::Delivered,
            OrderStatus::Cancelled,
        ]
        .iter()
        .map(|s| format!("{} {s}", report.orders.iter().filter(|o| *o == s).count()))
        .collect();
        out.push_str(&format!("  {} past orders: {}\n", report.orders.len(), by_status.join(", ")));
    }
    out.push_str("The passwords are shown this once; `zonmart demo --force` sets new ones.\n");
    out
}

/// The database for the start-up log: a SQLite URL as it is, a PostgreSQL
/// URL as host, port and database, without credentials or parameters.
pub fn database_label(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.starts_with("postgres") => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            let rest = rest.split_once('?').map_or(rest, |(path, _)| path);
            format!("{scheme}://{rest}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_label_has_no_credentials() {
        assert_eq!(
            database_label("postgres://shop:s3cret@db.internal:5432/zonmart?sslmode=require"),
            "postgres://db.internal:5432/zonmart"
        );
        assert_eq!(database_label("sqlite://zonmart.db"), "sqlite://zonmart.db");
    }
}
