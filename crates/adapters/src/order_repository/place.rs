//! Placing an order: one write transaction that checks the customer, takes
//! the stock, copies the prices, empties a cart used and stores the order,
//! or changes nothing.
//!
//! The customer check (a user of that id who is not disabled) is the
//! transaction's first statement, so no order is placed for a user disabled
//! or deleted before it began, and a caller holding only a verified token
//! needs no look-up round trip of its own first. It takes no lock: an order
//! already past the check when its user is disabled or deleted still
//! commits, as it would after a look-up before the transaction.
//!
//! Stock moves only through `UPDATE products SET stock = stock - q ... WHERE
//! stock >= q AND NOT archived`, one product at a time in product-id order
//! (`OrderItems::in_lock_order`). The condition is re-checked against the
//! committed row whenever another writer got there first, so stock never
//! goes below zero (the CHECK constraint would refuse it anyway), and since
//! every writer locks products in the same order, orders cannot deadlock.
//!
//! On PostgreSQL an order of listed items is pipelined (see
//! `db::pipeline`): `BEGIN`, the customer check and the stock updates go out
//! together, then, once the order is composed, its inserts and `COMMIT`: two
//! round trips instead of five plus one per line, and the rows stay locked
//! for one round trip, not three. The statements, their order and the outcome are the same
//! as on the general path, which SQLite and orders from a cart take.

use std::collections::HashMap;

use diesel::dsl::not;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::{FutureExt, TryFutureExt};
use zonmart_domain::{Currency, Order, OrderItem, OrderItems, PriceCents, PricedItem, ProductId, Quantity};
use zonmart_ports::{OrderSource, PlaceOrder, PlaceOrderError, RepoError};

use super::rows::{OrderItemRow, OrderRow};
use crate::db::errors::from_pool;
use crate::db::pipeline::{in_one_flight, Session};
use crate::db::transaction::{finish, should_retry};
use crate::db::{in_write_transaction, run_detached, Backend, CacheStatement, Database, PgPool, Rollback};
use crate::event_store::{insert_event, EventRow};
use crate::schema::{cart_items, carts, order_items, orders, products, users};

/// What taking one line's stock found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Taken {
    /// Taken; the product's terms at this moment.
    Terms { name: String, price_cents: i64, currency: String },
    /// No such product, or it is archived.
    Unavailable,
    /// Too little stock for the line.
    Short,
}

/// The guarded stock update of one line, returning the product's terms:
/// `take_stock!(product id, quantity, now)`. A macro, not a function, as its
/// type is diesel's (and the same text serves both backends).
macro_rules! take_stock {
    ($id:expr, $quantity:expr, $now:expr) => {
        diesel::update(products::table.find($id).filter(products::stock.ge($quantity)).filter(not(products::archived)))
            .set((
                products::stock.eq(products::stock - $quantity),
                products::version.eq(products::version + 1),
                products::updated_at.eq($now),
            ))
            .returning((products::name, products::price_cents, products::currency))
            .cached()
    };
}

/// Why a line's stock was not taken: `Ok(Taken::Unavailable)` or
/// `Ok(Taken::Short)`, read in the same transaction.
macro_rules! why_not_taken {
    ($id:expr, $conn:expr) => {
        products::table.find($id).select(products::archived).first::<bool>($conn).await.optional().map(|archived| {
            match archived {
                None | Some(true) => Taken::Unavailable,
                Some(false) => Taken::Short,
            }
        })
    };
}

/// The customer check: `customer_is_enabled!(user id)` is a query for the
/// user's `disabled` flag, `None` when there is no such user or it was
/// deleted.
macro_rules! customer_is_enabled {
    ($user_id:expr) => {
        users::table.find($user_id).filter(users::deleted_at.is_null()).select(users::disabled)
    };
}

/// Whether the answer of `customer_is_enabled!` lets the order go on.
fn check_customer(disabled: Option<bool>) -> Result<(), PlaceOrderError> {
    match disabled {
        Some(false) => Ok(()),
        None | Some(true) => Err(PlaceOrderError::UnknownCustomer),
    }
}

/// Places `request` as the module docs say, the whole transaction run again
/// on a serialization failure, a deadlock or a busy SQLite.
pub(super) async fn place(db: &Database, request: &PlaceOrder) -> Result<Order, PlaceOrderError> {
    if let (Backend::Postgres { pool, .. }, OrderSource::Items(items)) = (db.backend(), &request.source) {
        let (pool, request, items) = (pool.clone(), request.clone(), items.clone());
        return run_detached(async move { Ok(place_pipelined(&pool, &request, &items).await) }).await?;
    }
    let request = request.clone();
    in_write_transaction!(db, |conn| {
        let now = request.now.naive_utc();
        let customer = request.user_id.to_string();
        let disabled = customer_is_enabled!(&customer).first::<bool>(conn).await.optional()?;
        check_customer(disabled).map_err(Rollback::Refused)?;
        let items = match &request.source {
            OrderSource::Items(items) => items.clone(),
            OrderSource::Cart => {
                // Emptying the cart starts with its row: the update locks it,
                // so a concurrent save cannot slip lines in between our read
                // and our delete (it waits, then finds a newer version).
                let cart_id = diesel::update(carts::table.filter(carts::user_id.eq(&customer)))
                    .set((carts::version.eq(carts::version + 1), carts::updated_at.eq(now)))
                    .returning(carts::id)
                    .cached()
                    .get_result::<String>(conn)
                    .await
                    .optional()?;
                let Some(cart_id) = cart_id else { return Err(Rollback::Refused(PlaceOrderError::EmptyCart)) };
                let lines = cart_items::table
                    .filter(cart_items::cart_id.eq(&cart_id))
                    .order(cart_items::position.asc())
                    .select((cart_items::product_id, cart_items::quantity))
                    .load::<(String, i64)>(conn)
                    .await?;
                diesel::delete(cart_items::table.filter(cart_items::cart_id.eq(&cart_id))).execute(conn).await?;
                items_from_cart(&cart_id, lines).map_err(Rollback::Refused)?
            }
        };

        // Every line is tried, even after one failed, so the refusal can
        // name every product at fault; the rollback undoes what was taken.
        let mut taken = HashMap::new();
        for item in items.in_lock_order() {
            let id = item.product_id.to_string();
            let quantity = item.quantity.get();
            let terms = take_stock!(&id, quantity, now).get_result::<(String, i64, String)>(conn).await.optional()?;
            let outcome = match terms {
                Some((name, price_cents, currency)) => Taken::Terms { name, price_cents, currency },
                None => why_not_taken!(&id, conn)?,
            };
            taken.insert(item.product_id, outcome);
        }

        let order = compose(&request, &items, &taken).map_err(Rollback::Refused)?;
        diesel::insert_into(orders::table).values(&OrderRow::from_order(&order)).cached().execute(conn).await?;
        // One INSERT per line (at most 100): diesel's multi-row INSERT
        // exists for SQLite only on its synchronous connection.
        for line in &OrderItemRow::from_order(&order) {
            diesel::insert_into(order_items::table).values(line).cached().execute(conn).await?;
        }
        // The outbox: `order.placed` commits with the order.
        insert_event!(&EventRow::from_event(&request.event.complete(&order))).execute(conn).await?;
        Ok(order)
    })?
}

/// The PostgreSQL path for listed items (module docs): the transaction in
/// two flights on a [`Session`], run again like the general path's.
async fn place_pipelined(pool: &PgPool, request: &PlaceOrder, items: &OrderItems) -> Result<Order, PlaceOrderError> {
    let pooled = pool.get().await.map_err(from_pool)?;
    let mut session = Session::new(pooled);
    let mut attempt = 1;
    let outcome = loop {
        let Some(conn) = session.open() else {
            break Err(RepoError::Unavailable("the database connection was lost".to_owned()));
        };
        let outcome = pipelined_attempt(conn, request, items).await;
        match &outcome {
            Ok(_) => session.settle(),
            Err(_) => session.roll_back().await,
        }
        if !should_retry(&outcome, attempt).await {
            break finish(outcome);
        }
        attempt += 1;
    };
    outcome?
}

/// One answer of the first flight.
enum Opening {
    Begun,
    /// `customer_is_enabled!`'s.
    Customer(Option<bool>),
    /// A line's `take_stock!`: the product's terms if taken.
    Stock(Option<(String, i64, String)>),
}

/// One attempt: `BEGIN`, the customer check and the stock updates (in lock
/// order) in one flight; then, if the customer may order and every line was
/// taken, the order's inserts and `COMMIT` in another. An error leaves the
/// transaction open for the caller to roll back.
async fn pipelined_attempt(
    conn: &AsyncPgConnection,
    request: &PlaceOrder,
    items: &OrderItems,
) -> Result<Order, Rollback<PlaceOrderError>> {
    let mut c = conn;
    let now = request.now.naive_utc();
    let customer = request.user_id.to_string();
    let lines: Vec<(ProductId, String, i64)> = items
        .in_lock_order()
        .into_iter()
        .map(|item| (item.product_id, item.product_id.to_string(), item.quantity.get()))
        .collect();

    let mut flight = vec![
        diesel::sql_query("BEGIN").cached().execute(&mut c).map_ok(|_| Opening::Begun).boxed(),
        customer_is_enabled!(&customer).first::<bool>(&mut c).map(|r| r.optional().map(Opening::Customer)).boxed(),
    ];
    for (_, id, quantity) in &lines {
        flight.push(
            take_stock!(id.as_str(), *quantity, now)
                .get_result::<(String, i64, String)>(&mut c)
                .map(|r| r.optional().map(Opening::Stock))
                .boxed(),
        );
    }
    let (mut disabled, mut stock) = (None, Vec::with_capacity(lines.len()));
    for answer in in_one_flight(flight).await? {
        match answer {
            Opening::Begun => {}
            Opening::Customer(answer) => disabled = answer,
            Opening::Stock(terms) => stock.push(terms),
        }
    }
    check_customer(disabled).map_err(Rollback::Refused)?;

    let mut taken = HashMap::new();
    for ((product_id, id, _), terms) in lines.iter().zip(stock) {
        let outcome = match terms {
            Some((name, price_cents, currency)) => Taken::Terms { name, price_cents, currency },
            None => why_not_taken!(id.as_str(), &mut c)?,
        };
        taken.insert(*product_id, outcome);
    }
    let order = compose(request, items, &taken).map_err(Rollback::Refused)?;

    let order_row = OrderRow::from_order(&order);
    let line_rows = OrderItemRow::from_order(&order);
    let event_row = EventRow::from_event(&request.event.complete(&order));
    let mut flight = vec![diesel::insert_into(orders::table).values(&order_row).cached().execute(&mut c).boxed()];
    for line in &line_rows {
        flight.push(diesel::insert_into(order_items::table).values(line).cached().execute(&mut c).boxed());
    }
    // The outbox: `order.placed` goes in the same flight, before COMMIT.
    flight.push(insert_event!(&event_row).execute(&mut c).boxed());
    flight.push(diesel::sql_query("COMMIT").cached().execute(&mut c).boxed());
    in_one_flight(flight).await?;
    Ok(order)
}

/// The lines of a cart as an order's items; an empty cart cannot be ordered.
fn items_from_cart(cart_id: &str, lines: Vec<(String, i64)>) -> Result<OrderItems, PlaceOrderError> {
    if lines.is_empty() {
        return Err(PlaceOrderError::EmptyCart);
    }
    let corrupt = |column: &str, e: &dyn std::fmt::Display| {
        PlaceOrderError::Repo(crate::db::errors::corrupt("cart", cart_id, column, e))
    };
    let items = lines
        .into_iter()
        .map(|(product_id, quantity)| {
            Ok(OrderItem {
                product_id: ProductId::parse(&product_id).map_err(|e| corrupt("product_id", &e))?,
                quantity: Quantity::new(quantity).map_err(|e| corrupt("quantity", &e))?,
            })
        })
        .collect::<Result<Vec<_>, PlaceOrderError>>()?;
    // A stored cart always makes valid items (at most 100 distinct products).
    OrderItems::new(items).map_err(|e| corrupt("lines", &e))
}

/// The order, or why it is refused: unavailable products first, then those
/// short of stock, then a second currency; each names its products in the
/// request's order.
fn compose(
    request: &PlaceOrder,
    items: &OrderItems,
    taken: &HashMap<ProductId, Taken>,
) -> Result<Order, PlaceOrderError> {
    let at_fault = |fault: &Taken| -> Vec<ProductId> {
        items.items().iter().map(|item| item.product_id).filter(|id| taken.get(id) == Some(fault)).collect()
    };
    let unavailable = at_fault(&Taken::Unavailable);
    if !unavailable.is_empty() {
        return Err(PlaceOrderError::ProductUnavailable(unavailable));
    }
    let short = at_fault(&Taken::Short);
    if !short.is_empty() {
        return Err(PlaceOrderError::InsufficientStock(short));
    }
    let priced = items
        .items()
        .iter()
        .map(|item| match taken.get(&item.product_id) {
            Some(Taken::Terms { name, price_cents, currency }) => priced_item(item, name, *price_cents, currency),
            _ => Err(PlaceOrderError::Repo(RepoError::Internal(format!("no stock taken for {}", item.product_id)))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Order::place(request.id, request.user_id, priced, request.now)
        .map_err(|mixed| PlaceOrderError::MixedCurrencies(mixed.product_ids))
}

fn priced_item(item: &OrderItem, name: &str, price_cents: i64, currency: &str) -> Result<PricedItem, PlaceOrderError> {
    let id = item.product_id.to_string();
    let corrupt = |column: &str, e: &dyn std::fmt::Display| {
        PlaceOrderError::Repo(crate::db::errors::corrupt("product", &id, column, e))
    };
    Ok(PricedItem {
        product_id: item.product_id,
        name: name.to_owned(),
        quantity: item.quantity,
        unit_price: PriceCents::new(price_cents).map_err(|e| corrupt("price_cents", &e))?,
        currency: Currency::parse(currency).map_err(|e| corrupt("currency", &e))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use ulid::Ulid;
    use zonmart_domain::{OrderId, UserId};

    fn pid(n: u64) -> ProductId {
        ProductId::from_ulid(Ulid::from_parts(n, 0))
    }

    fn request(ids: &[u64]) -> (PlaceOrder, OrderItems) {
        let lines = ids.iter().map(|n| OrderItem { product_id: pid(*n), quantity: Quantity::new(2).unwrap() });
        let items = OrderItems::new(lines.collect()).unwrap();
        let request = PlaceOrder {
            id: OrderId::from_ulid(Ulid::from_parts(9, 9)),
            user_id: UserId::from_ulid(Ulid::from_parts(1, 1)),
            source: OrderSource::Items(items.clone()),
            now: Utc::now(),
            event: zonmart_ports::OrderEventDraft {
                id: zonmart_domain::EventId::from_ulid(Ulid::from_parts(8, 8)),
                kind: zonmart_domain::EventType::OrderPlaced,
                at: Utc::now(),
                json: std::sync::Arc::new(NoJson),
            },
        };
        (request, items)
    }

    struct NoJson;

    impl zonmart_ports::ResourceJson for NoJson {
        fn order(&self, _: &Order) -> String {
            "{}".into()
        }
        fn product(&self, _: &zonmart_domain::Product) -> String {
            "{}".into()
        }
        fn user(&self, _: &zonmart_domain::User) -> String {
            "{}".into()
        }
    }

    fn terms(price_cents: i64, currency: &str) -> Taken {
        Taken::Terms { name: "Teapot".into(), price_cents, currency: currency.into() }
    }

    #[test]
    fn unavailable_products_are_named_before_short_ones_in_the_requests_order() {
        let (request, items) = request(&[3, 1, 2, 4]);
        let taken = HashMap::from([
            (pid(1), Taken::Unavailable),
            (pid(2), Taken::Short),
            (pid(3), Taken::Unavailable),
            (pid(4), terms(100, "USD")),
        ]);
        let refused = compose(&request, &items, &taken);
        assert_eq!(refused, Err(PlaceOrderError::ProductUnavailable(vec![pid(3), pid(1)])));
    }

    #[test]
    fn short_products_are_named_when_all_are_available() {
        let (request, items) = request(&[2, 1]);
        let taken = HashMap::from([(pid(1), Taken::Short), (pid(2), Taken::Short)]);
        assert_eq!(compose(&request, &items, &taken), Err(PlaceOrderError::InsufficientStock(vec![pid(2), pid(1)])));
    }

    #[test]
    fn the_order_copies_the_terms_in_the_requests_order() {
        let (request, items) = request(&[2, 1]);
        let taken = HashMap::from([(pid(1), terms(100, "EUR")), (pid(2), terms(250, "EUR"))]);
        let order = compose(&request, &items, &taken).unwrap();
        let lines: Vec<_> = order.lines.iter().map(|l| (l.product_id, l.unit_price_cents)).collect();
        assert_eq!(lines, [(pid(2), 250), (pid(1), 100)]);
        assert_eq!((order.total_cents, order.currency.as_str()), (700, "EUR"));
    }

    #[test]
    fn a_second_currency_is_refused_naming_its_products() {
        let (request, items) = request(&[1, 2]);
        let taken = HashMap::from([(pid(1), terms(100, "USD")), (pid(2), terms(100, "EUR"))]);
        assert_eq!(compose(&request, &items, &taken), Err(PlaceOrderError::MixedCurrencies(vec![pid(2)])));
    }

    #[test]
    fn an_empty_cart_cannot_become_an_order() {
        assert_eq!(items_from_cart("c", vec![]), Err(PlaceOrderError::EmptyCart));
    }
}
