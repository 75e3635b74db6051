//! Placing an order: ONE write transaction that checks the customer, takes
//! the stock and the discount use, copies the prices, empties a cart used
//! and stores the order with its address snapshot, or changes nothing.
//!
//! What the order costs, and which refusal comes first, is the domain's
//! pricing function (`zonmart_domain::price`); this module only gathers what
//! it needs, atomically, and writes the result. The transaction is written
//! once as flights of statements (`statements`), pipelined on PostgreSQL:
//!
//! 1. (`from_cart` only) `BEGIN`, the customer check, the cart bumped (which
//!    locks it, so no concurrent save slips lines in), its lines read and
//!    deleted;
//! 2. (`BEGIN` and the customer check, unless 1 ran) each line's stock taken
//!    with `UPDATE products SET stock = stock - q ... WHERE stock >= q AND
//!    NOT archived`, in product-id order (`OrderItems::in_lock_order`), so
//!    concurrent orders cannot deadlock; the shipping method, the saved
//!    address and its country's tax rate read; a use of the discount code
//!    taken with `UPDATE discount_codes SET uses = uses + 1 WHERE ... AND
//!    (max_uses IS NULL OR uses < max_uses)` (after the products: the one
//!    lock order every writer keeps);
//! 3. only when something was not taken: why (archived or missing), read in
//!    the same transaction;
//! 4. the customer's use of the code (an upsert whose CHECK refuses a use
//!    beyond `max_uses_per_user`), the order, its lines, its `order.placed`
//!    event (the outbox) and `COMMIT`.
//!
//! A plain order is two round trips on PostgreSQL, as before: flight 2 and
//! flight 4. Conditional updates re-check their condition against the
//! committed row when another writer got there first, so neither stock nor
//! discount uses can be over-taken, whatever the concurrency. The customer
//! check takes no lock: an order already past it when its user is disabled
//! still commits, as it would after a look-up before the transaction.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use zonmart_domain::{
    price, Discount, DiscountChoice, DiscountUse, LineStock, Order, OrderCheckout, OrderDiscount, OrderItem,
    OrderItems, OrderShippingMethod, PostalAddress, PriceCents, ProductId, ProductTerms, Quantity, SavedAddress,
    ShippingChoice, ShippingMethod, TaxRate,
};
use zonmart_domain::{Currency, DiscountRefusal, PricingInput, PricingRefusal};
use zonmart_ports::{OrderSource, PlaceOrder, PlaceOrderError, RepoError, ShipTo};

use super::rows::{OrderItemRow, OrderRow};
use super::statements::{Answer, Conn, CustomerUseRow, Phase, ProductRead, Step, CUSTOMER_LIMIT_CHECK};
use crate::address_repository::AddressRow;
use crate::db::errors::{corrupt, from_pool};
use crate::db::pipeline::Session;
use crate::db::transaction::{should_retry, split_outcome};
use crate::db::{run_detached, Backend, Database, Rollback};
use crate::discount_repository::DiscountRow;
use crate::event_store::EventRow;
use crate::shipping_method_repository::ShippingMethodRow;
use crate::tax_rate_repository::TaxRateRow;

type Attempt<T> = Result<T, Rollback<PlaceOrderError>>;

/// Places `request` as the module docs say, the whole transaction run again
/// on a serialization failure, a deadlock or a busy SQLite.
pub(super) async fn place(db: &Database, request: &PlaceOrder) -> Result<Order, PlaceOrderError> {
    let request = request.clone();
    let checked_out = match db.backend() {
        Backend::Postgres { pool, .. } => Pooled::Postgres(pool.clone()),
        Backend::Sqlite(store) => Pooled::Sqlite(store.writer().clone()),
    };
    run_detached(async move {
        let mut conn = checked_out.get().await?;
        let mut attempt = 1;
        loop {
            let outcome = conn.attempt(&request).await;
            if !should_retry(&outcome, attempt).await {
                break split_outcome(outcome);
            }
            attempt += 1;
        }
    })
    .await?
}

/// A pool to take the transaction's connection from.
enum Pooled {
    Postgres(crate::db::PgPool),
    Sqlite(crate::db::SqlitePool),
}

/// The connection every attempt of one order runs on.
enum Held {
    /// Opened and closed by hand, so the transaction can be pipelined.
    Postgres(Box<Session>),
    Sqlite(
        diesel_async::pooled_connection::deadpool::Object<
            diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::sqlite::SqliteConnection>,
        >,
    ),
}

impl Pooled {
    async fn get(self) -> Result<Held, RepoError> {
        Ok(match self {
            Pooled::Postgres(pool) => Held::Postgres(Box::new(Session::new(pool.get().await.map_err(from_pool)?))),
            Pooled::Sqlite(pool) => Held::Sqlite(pool.get().await.map_err(from_pool)?),
        })
    }
}

impl Held {
    /// One attempt of the transaction: committed, or rolled back.
    async fn attempt(&mut self, request: &PlaceOrder) -> Attempt<Order> {
        match self {
            Held::Postgres(session) => {
                let Some(conn) = session.open() else {
                    let lost = Box::new("the database connection was lost".to_owned());
                    return Err(Rollback::Failed(DieselError::DatabaseError(
                        DatabaseErrorKind::ClosedConnection,
                        lost,
                    )));
                };
                let outcome = transaction(&mut Conn::Postgres(conn), request).await;
                match &outcome {
                    Ok(_) => session.mark_committed(),
                    Err(_) => session.roll_back().await,
                }
                outcome
            }
            Held::Sqlite(pooled) => {
                pooled.immediate_transaction(async |conn| transaction(&mut Conn::Sqlite(conn), request).await).await
            }
        }
    }
}

/// The strings the statements bind, owned for the transaction's length.
pub(super) struct Binds {
    pub customer: String,
    pub method: Option<String>,
    pub saved_address: Option<String>,
    pub country: Option<&'static str>,
    pub code: Option<String>,
}

impl Binds {
    pub(super) fn new(request: &PlaceOrder) -> Self {
        let checkout = &request.checkout;
        let (saved_address, country) = match &checkout.ship_to {
            Some(ShipTo::Saved(id)) => (Some(id.to_string()), None),
            Some(ShipTo::Address(address)) => (None, Some(address.country.as_str())),
            None => (None, None),
        };
        Binds {
            customer: request.user_id.to_string(),
            method: checkout.shipping_method.map(|id| id.to_string()),
            saved_address,
            country,
            code: checkout.discount_code.as_ref().map(|c| c.as_str().to_owned()),
        }
    }

    /// The reads of what the order ships with (method, address, tax rate).
    pub(super) fn checkout_reads(&self) -> Vec<Step<'_>> {
        let mut steps = Vec::new();
        if let Some(method) = &self.method {
            steps.push(Step::Method(method));
        }
        if let Some(address) = &self.saved_address {
            steps.push(Step::Address(address, &self.customer));
            steps.push(Step::RateOfAddress(address, &self.customer));
        }
        if let Some(country) = self.country {
            steps.push(Step::RateOfCountry(country));
        }
        steps
    }
}

/// What the statements found, as answered.
#[derive(Default)]
pub(super) struct Found {
    pub customer: Option<bool>,
    pub stock: Vec<Option<(String, i64, String)>>,
    pub products: Vec<Option<ProductRead>>,
    pub method: Option<ShippingMethodRow>,
    pub address: Option<AddressRow>,
    pub rate: Option<TaxRateRow>,
    pub discount: Option<DiscountRow>,
    pub customer_uses: Option<i64>,
    pub cart: Option<String>,
    pub cart_lines: Vec<(String, i64)>,
    pub archived: Vec<Option<bool>>,
}

impl Found {
    pub(super) fn record(&mut self, answers: Vec<Answer>) {
        for answer in answers {
            match answer {
                Answer::Done => {}
                Answer::Customer(disabled) => self.customer = disabled,
                Answer::Cart(id) => self.cart = id,
                Answer::CartLines(lines) => self.cart_lines = lines,
                Answer::Stock(terms) => self.stock.push(terms),
                Answer::Archived(archived) => self.archived.push(archived),
                Answer::Product(product) => self.products.push(product),
                Answer::Method(method) => self.method = method,
                Answer::Address(address) => self.address = address,
                Answer::Rate(rate) => self.rate = rate,
                Answer::Discount(discount) => self.discount = discount,
                Answer::CustomerUses(uses) => self.customer_uses = uses,
            }
        }
    }

    /// The customer check: a user of that id who is not disabled.
    pub(super) fn check_customer(&self) -> Result<(), PlaceOrderError> {
        match self.customer {
            Some(false) => Ok(()),
            None | Some(true) => Err(PlaceOrderError::UnknownCustomer),
        }
    }

    /// The cart's lines as the order's items; an empty cart cannot be ordered.
    pub(super) fn cart_items(&self) -> Result<OrderItems, PlaceOrderError> {
        let Some(cart_id) = &self.cart else { return Err(PlaceOrderError::EmptyCart) };
        if self.cart_lines.is_empty() {
            return Err(PlaceOrderError::EmptyCart);
        }
        let corrupt =
            |column: &str, e: &dyn std::fmt::Display| PlaceOrderError::Repo(corrupt("cart", cart_id, column, e));
        let items = self
            .cart_lines
            .iter()
            .map(|(product_id, quantity)| {
                Ok(OrderItem {
                    product_id: ProductId::parse(product_id).map_err(|e| corrupt("product_id", &e))?,
                    quantity: Quantity::new(*quantity).map_err(|e| corrupt("quantity", &e))?,
                })
            })
            .collect::<Result<Vec<_>, PlaceOrderError>>()?;
        // A stored cart always makes valid items (at most 100 distinct products).
        OrderItems::new(items).map_err(|e| corrupt("lines", &e))
    }
}

/// The domain's view of what was found, ready to be priced.
pub(super) struct Facts {
    pub lines: Vec<(OrderItem, LineStock)>,
    pub address: Option<PostalAddress>,
    pub method: Option<ShippingMethod>,
    pub rate: Option<TaxRate>,
    pub discount: Option<Discount>,
}

impl Facts {
    /// `lines` with what was found for each (in the request's order); the
    /// rest from `found`. A saved address the customer lacks is refused here.
    pub(super) fn new(
        request: &PlaceOrder,
        lines: Vec<(OrderItem, LineStock)>,
        found: Found,
    ) -> Result<Facts, PlaceOrderError> {
        let address = match &request.checkout.ship_to {
            None => None,
            Some(ShipTo::Address(address)) => Some(address.clone()),
            Some(ShipTo::Saved(_)) => match found.address {
                Some(row) => Some(SavedAddress::try_from(row)?.address),
                None => return Err(PlaceOrderError::AddressNotFound),
            },
        };
        Ok(Facts {
            lines,
            address,
            method: found.method.map(ShippingMethod::try_from).transpose()?,
            rate: found.rate.map(TaxRate::try_from).transpose()?,
            discount: found.discount.map(Discount::try_from).transpose()?,
        })
    }

    /// Prices the order by the domain's one function. `usage` says whether a
    /// use of the code was (or could be) taken; `None` with a code asked for
    /// and none found means there is no such code.
    pub(super) fn price(
        &self,
        request: &PlaceOrder,
        usage: DiscountUse,
    ) -> Result<zonmart_domain::Pricing, PlaceOrderError> {
        let shipping = match (&request.checkout.shipping_method, &self.method) {
            (None, _) => ShippingChoice::None,
            (Some(_), None) => ShippingChoice::Unknown,
            (Some(_), Some(method)) => ShippingChoice::Method(method),
        };
        let discount = match (&request.checkout.discount_code, &self.discount) {
            (None, _) => DiscountChoice::None,
            (Some(_), None) => DiscountChoice::Unknown,
            (Some(_), Some(discount)) => DiscountChoice::Code { discount, usage },
        };
        let input = PricingInput {
            lines: &self.lines,
            country: self.address.as_ref().map(|a| a.country),
            shipping,
            tax_rate: self.rate.as_ref(),
            discount,
            now: request.now,
        };
        price(&input).map_err(PlaceOrderError::Refused)
    }

    /// What the order records of its checkout.
    fn checkout(&self) -> OrderCheckout {
        OrderCheckout {
            shipping_address: self.address.clone(),
            shipping_method: self.method.as_ref().map(|m| OrderShippingMethod {
                id: m.id,
                name: m.name.as_str().to_owned(),
                price_cents: m.price.get(),
            }),
            discount: self.discount.as_ref().map(|d| OrderDiscount { id: d.id, code: d.code.clone() }),
        }
    }
}

/// A product's terms as a row gave them.
pub(super) fn terms(id: ProductId, name: String, price_cents: i64, currency: &str) -> Result<ProductTerms, RepoError> {
    let corrupt = |column: &str, e: &dyn std::fmt::Display| corrupt("product", &id.to_string(), column, e);
    Ok(ProductTerms {
        name,
        unit_price: PriceCents::new(price_cents).map_err(|e| corrupt("price_cents", &e))?,
        currency: Currency::parse(currency).map_err(|e| corrupt("currency", &e))?,
    })
}

/// The transaction (module docs), on either backend. An error leaves it for
/// the caller to roll back.
async fn transaction(conn: &mut Conn<'_>, request: &PlaceOrder) -> Attempt<Order> {
    let now = request.now.naive_utc();
    let binds = Binds::new(request);
    let mut found = Found::default();

    // Flight 1: the cart, when ordering from it.
    let (items, phase) = match &request.source {
        OrderSource::Items(items) => (items.clone(), Phase::Open),
        OrderSource::Cart => {
            let customer = binds.customer.as_str();
            let cart = [
                Step::Customer(customer, request.session_generation),
                Step::TouchCart(customer, now),
                Step::CartLines(customer),
                Step::EmptyCart(customer),
            ];
            found.record(conn.flight(Phase::Open, &cart).await?);
            found.check_customer().map_err(Rollback::Refused)?;
            (found.cart_items().map_err(Rollback::Refused)?, Phase::Within)
        }
    };

    // Flight 2: stock, what the order ships with, the discount use.
    let lines: Vec<(OrderItem, String)> =
        items.in_lock_order().into_iter().map(|item| (item, item.product_id.to_string())).collect();
    let mut steps = Vec::with_capacity(lines.len() + 5);
    if phase == Phase::Open {
        steps.push(Step::Customer(&binds.customer, request.session_generation));
    }
    steps.extend(lines.iter().map(|(item, id)| Step::TakeStock(id, item.quantity.get(), now)));
    steps.extend(binds.checkout_reads());
    if let Some(code) = &binds.code {
        steps.push(Step::TakeDiscount(code));
    }
    found.record(conn.flight(phase, &steps).await?);
    found.check_customer().map_err(Rollback::Refused)?;
    let use_taken = found.discount.is_some();

    // Flight 3, only when something was not taken: why.
    let missed: Vec<&str> =
        lines.iter().zip(&found.stock).filter(|(_, terms)| terms.is_none()).map(|((_, id), _)| id.as_str()).collect();
    let mut why: Vec<Step<'_>> = missed.iter().map(|id| Step::WhyNotTaken(id)).collect();
    if let (Some(code), false) = (&binds.code, use_taken) {
        why.push(Step::ReadDiscount(code));
    }
    if !why.is_empty() {
        found.record(conn.flight(Phase::Within, &why).await?);
    }

    let mut archived = found.archived.iter();
    let mut by_product = std::collections::HashMap::new();
    for ((item, _), taken) in lines.iter().zip(std::mem::take(&mut found.stock)) {
        let stock = match taken {
            Some((name, price_cents, currency)) => LineStock::Taken(
                terms(item.product_id, name, price_cents, &currency).map_err(|e| Rollback::Refused(e.into()))?,
            ),
            None => match archived.next() {
                Some(Some(false)) => LineStock::Short,
                _ => LineStock::Unavailable,
            },
        };
        by_product.insert(item.product_id, stock);
    }
    let request_lines = items
        .items()
        .iter()
        .map(|item| (*item, by_product.remove(&item.product_id).unwrap_or(LineStock::Unavailable)))
        .collect();
    let facts = Facts::new(request, request_lines, found).map_err(Rollback::Refused)?;
    let usage = if use_taken { DiscountUse::Taken } else { DiscountUse::Exhausted };
    let pricing = facts.price(request, usage).map_err(Rollback::Refused)?;
    let order = Order::place(request.id, request.user_id, pricing, facts.checkout(), request.now);

    // Flight 4: the customer's use of the code, the order, its event, COMMIT.
    let customer_use = facts.discount.as_ref().map(|d| CustomerUseRow {
        discount_id: d.id.to_string(),
        user_id: binds.customer.clone(),
        uses: 1,
        max_uses: d.max_uses_per_user.map(|m| m.get()),
    });
    let order_row = OrderRow::from_order(&order);
    let line_rows = OrderItemRow::from_order(&order);
    let event_row = EventRow::from_event(&request.event.complete(&order));
    let mut writes = Vec::with_capacity(line_rows.len() + 3);
    writes.extend(customer_use.as_ref().map(Step::TakeCustomerUse));
    writes.push(Step::InsertOrder(&order_row));
    writes.extend(line_rows.iter().map(Step::InsertLine));
    writes.push(Step::InsertEvent(&event_row));
    conn.flight(Phase::Close, &writes).await.map_err(per_customer_limit)?;
    Ok(order)
}

/// The per-customer CHECK refusing a use is the code's `already_used`.
fn per_customer_limit(error: DieselError) -> Rollback<PlaceOrderError> {
    match &error {
        DieselError::DatabaseError(_, info)
            if info.constraint_name() == Some(CUSTOMER_LIMIT_CHECK)
                || info.message().contains(CUSTOMER_LIMIT_CHECK) =>
        {
            Rollback::Refused(PlaceOrderError::Refused(PricingRefusal::DiscountUnavailable(
                DiscountRefusal::AlreadyUsed,
            )))
        }
        _ => Rollback::Failed(error),
    }
}
