//! Quoting an order: the same reads as placing it (`place`), none of its
//! writes, priced by the same function, so a quote answers what an order
//! placed right after it would (same amounts, same refusals). Nothing is
//! taken or reserved: stock and discount uses are only compared.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use zonmart_domain::{LineStock, OrderItem, Pricing};
use zonmart_ports::{OrderSource, PlaceOrder, PlaceOrderError, RepoError};

use super::place::{terms, Binds, Facts, Found};
use super::statements::{Conn, Phase, ProductRead, Step};
use crate::db::{with_conn, Database};

impl<'c> From<&'c mut AsyncPgConnection> for Conn<'c> {
    fn from(conn: &'c mut AsyncPgConnection) -> Self {
        Conn::Postgres(conn)
    }
}

impl<'c> From<&'c mut diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::sqlite::SqliteConnection>>
    for Conn<'c>
{
    fn from(
        conn: &'c mut diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::sqlite::SqliteConnection>,
    ) -> Self {
        Conn::Sqlite(conn)
    }
}

pub(super) async fn quote(db: &Database, request: &PlaceOrder) -> Result<Pricing, PlaceOrderError> {
    let request = request.clone();
    with_conn!(db, |conn| {
        let mut conn = Conn::from(conn);
        quote_on(&mut conn, &request).await
    })?
}

async fn quote_on(conn: &mut Conn<'_>, request: &PlaceOrder) -> QueryResult<Result<Pricing, PlaceOrderError>> {
    let binds = Binds::new(request);
    let mut found = Found::default();
    let customer = binds.customer.as_str();

    let mut opening = vec![Step::Customer(customer, request.session_generation)];
    if request.source == OrderSource::Cart {
        opening.extend([Step::CartOf(customer), Step::CartLines(customer)]);
    }
    found.record(conn.flight(Phase::Read, &opening).await?);
    if let Err(refusal) = found.check_customer() {
        return Ok(Err(refusal));
    }
    let items = match &request.source {
        OrderSource::Items(items) => items.clone(),
        OrderSource::Cart => match found.cart_items() {
            Ok(items) => items,
            Err(refusal) => return Ok(Err(refusal)),
        },
    };

    let ids: Vec<String> = items.items().iter().map(|item| item.product_id.to_string()).collect();
    let mut steps: Vec<Step<'_>> = ids.iter().map(|id| Step::ReadProduct(id)).collect();
    steps.extend(binds.checkout_reads());
    if let Some(code) = &binds.code {
        steps.extend([Step::ReadDiscount(code), Step::CustomerUses(code, customer)]);
    }
    found.record(conn.flight(Phase::Read, &steps).await?);

    let lines = items
        .items()
        .iter()
        .zip(std::mem::take(&mut found.products))
        .map(|(item, product)| line_stock(item, product).map(|stock| (*item, stock)))
        .collect::<Result<Vec<_>, RepoError>>();
    let customer_uses = found.customer_uses.unwrap_or(0);
    let priced = lines.map_err(PlaceOrderError::from).and_then(|lines| {
        let facts = Facts::new(request, lines, found)?;
        let usage = facts.discount.as_ref().map_or(zonmart_domain::DiscountUse::Taken, |d| d.use_left(customer_uses));
        facts.price(request, usage)
    });
    Ok(priced)
}

/// What placing would find for a line: enough stock, too little, or no
/// product to order.
fn line_stock(item: &OrderItem, product: Option<ProductRead>) -> Result<LineStock, RepoError> {
    Ok(match product {
        None | Some((_, _, _, _, true)) => LineStock::Unavailable,
        Some((_, _, _, stock, false)) if stock < item.quantity.get() => LineStock::Short,
        Some((name, price_cents, currency, _, false)) => {
            LineStock::Taken(terms(item.product_id, name, price_cents, &currency)?)
        }
    })
}
