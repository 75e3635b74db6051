//! The statements of placing (and quoting) an order, written once for both
//! backends, and the connection they run on.
//!
//! A transaction is a few *flights* of [`Step`]s whose statements do not
//! depend on each other's answers. [`Conn::flight`] runs one: on PostgreSQL
//! pipelined (`db::pipeline`), all sent before the first answer is awaited,
//! the first flight opening with `BEGIN` and the last closing with `COMMIT`;
//! on SQLite one after the other inside the caller's `BEGIN IMMEDIATE`. The
//! statements, their order and their answers are the same on both, so the
//! transaction itself (`place`) is written once.

use chrono::NaiveDateTime;
use diesel::dsl::not;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel::upsert::excluded;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, TryFutureExt};

use super::rows::{OrderItemRow, OrderRow};
use crate::address_repository::AddressRow;
use crate::db::pipeline::in_one_flight;
use crate::db::CacheStatement;
use crate::discount_repository::DiscountRow;
use crate::event_store::{insert_event, EventRow};
use crate::schema::{
    addresses, cart_items, carts, discount_codes, discount_customer_uses, order_items, orders, products,
    shipping_methods, tax_rates, users,
};
use crate::shipping_method_repository::ShippingMethodRow;
use crate::tax_rate_repository::TaxRateRow;

/// A customer's use of a discount code, as the per-customer upsert writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = discount_customer_uses)]
pub(super) struct CustomerUseRow {
    pub discount_id: String,
    pub user_id: String,
    pub uses: i64,
    /// The code's per-customer limit now; the table's CHECK holds `uses` to it.
    pub max_uses: Option<i64>,
}

/// The CHECK that refuses a customer's use beyond the code's per-user limit.
pub(super) const CUSTOMER_LIMIT_CHECK: &str = "discount_customer_uses_limit_check";

/// One statement of an order's transaction (or quote).
#[derive(Debug, Clone, Copy)]
pub(super) enum Step<'a> {
    /// The customer is a user who is not disabled, and the caller's session
    /// of it was not ended (user id, session generation):
    /// `Customer(disabled?)`, `None` when not so.
    Customer(&'a str, i64),
    /// Bumps the customer's cart (locking it): `Cart(id?)`.
    TouchCart(&'a str, NaiveDateTime),
    /// The customer's cart, unchanged (a quote): `Cart(id?)`.
    CartOf(&'a str),
    /// The customer's cart lines in order: `CartLines`.
    CartLines(&'a str),
    /// Deletes the customer's cart lines.
    EmptyCart(&'a str),
    /// `UPDATE products SET stock = stock - q ... WHERE stock >= q AND NOT
    /// archived`: `Stock(terms?)`.
    TakeStock(&'a str, i64, NaiveDateTime),
    /// Why a stock was not taken: `Archived(archived?)`.
    WhyNotTaken(&'a str),
    /// A product's terms and stock, for a quote: `Product(row?)`.
    ReadProduct(&'a str),
    /// `Method(row?)`.
    Method(&'a str),
    /// The customer's saved address: `Address(row?)`.
    Address(&'a str, &'a str),
    /// The rate of a country: `Rate(row?)`.
    RateOfCountry(&'a str),
    /// The rate of a saved address's country: `Rate(row?)`.
    RateOfAddress(&'a str, &'a str),
    /// `UPDATE discount_codes SET uses = uses + 1 WHERE code = $1 AND NOT
    /// archived AND (max_uses IS NULL OR uses < max_uses)`: `Discount(row?)`.
    TakeDiscount(&'a str),
    /// A code as it is: `Discount(row?)`.
    ReadDiscount(&'a str),
    /// The customer's uses of a code so far: `CustomerUses(uses?)`.
    CustomerUses(&'a str, &'a str),
    /// The customer's use, refused by `CUSTOMER_LIMIT_CHECK` past the limit.
    TakeCustomerUse(&'a CustomerUseRow),
    InsertOrder(&'a OrderRow),
    InsertLine(&'a OrderItemRow),
    /// The outbox: the order's event commits with it.
    InsertEvent(&'a EventRow),
}

/// A product as a quote reads it: name, price, currency, stock, archived.
pub(super) type ProductRead = (String, i64, String, i64, bool);

/// One statement's answer, in the order of the flight's steps.
#[derive(Debug)]
pub(super) enum Answer {
    Done,
    Customer(Option<bool>),
    Cart(Option<String>),
    CartLines(Vec<(String, i64)>),
    Stock(Option<(String, i64, String)>),
    Archived(Option<bool>),
    Product(Option<ProductRead>),
    Method(Option<ShippingMethodRow>),
    Address(Option<AddressRow>),
    Rate(Option<TaxRateRow>),
    Discount(Option<DiscountRow>),
    CustomerUses(Option<i64>),
}

/// Where a flight stands in its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// The transaction's first flight (PostgreSQL sends `BEGIN` first).
    Open,
    Within,
    /// Its last (PostgreSQL sends `COMMIT` last).
    Close,
    /// Reads outside any transaction (a quote).
    Read,
}

/// The customers' cart, by user id, as a subquery.
macro_rules! cart_of {
    ($user:expr) => {
        carts::table.filter(carts::user_id.eq($user)).select(carts::id)
    };
}

/// `statement!(step, conn)`: the step's statement as a boxed future of its
/// [`Answer`]. A macro, so that the one text is type-checked for each backend.
macro_rules! statement {
    ($step:expr, $conn:expr) => {
        match $step {
            Step::Customer(user, session_generation) => users::table
                .find(user)
                .filter(users::deleted_at.is_null())
                .filter(users::session_generation.eq(session_generation))
                .select(users::disabled)
                .first::<bool>($conn)
                .map(|r| r.optional().map(Answer::Customer))
                .boxed(),
            Step::TouchCart(user, now) => diesel::update(carts::table.filter(carts::user_id.eq(user)))
                .set((carts::version.eq(carts::version + 1), carts::updated_at.eq(now)))
                .returning(carts::id)
                .cached()
                .get_result::<String>($conn)
                .map(|r| r.optional().map(Answer::Cart))
                .boxed(),
            Step::CartOf(user) => cart_of!(user).first::<String>($conn).map(|r| r.optional().map(Answer::Cart)).boxed(),
            Step::CartLines(user) => cart_items::table
                .filter(cart_items::cart_id.eq_any(cart_of!(user)))
                .order(cart_items::position.asc())
                .select((cart_items::product_id, cart_items::quantity))
                .load::<(String, i64)>($conn)
                .map_ok(Answer::CartLines)
                .boxed(),
            Step::EmptyCart(user) => {
                diesel::delete(cart_items::table.filter(cart_items::cart_id.eq_any(cart_of!(user))))
                    .execute($conn)
                    .map_ok(|_| Answer::Done)
                    .boxed()
            }
            Step::TakeStock(id, quantity, now) => diesel::update(
                products::table.find(id).filter(products::stock.ge(quantity)).filter(not(products::archived)),
            )
            .set((
                products::stock.eq(products::stock - quantity),
                products::version.eq(products::version + 1),
                products::updated_at.eq(now),
            ))
            .returning((products::name, products::price_cents, products::currency))
            .cached()
            .get_result::<(String, i64, String)>($conn)
            .map(|r| r.optional().map(Answer::Stock))
            .boxed(),
            Step::WhyNotTaken(id) => products::table
                .find(id)
                .select(products::archived)
                .first::<bool>($conn)
                .map(|r| r.optional().map(Answer::Archived))
                .boxed(),
            Step::ReadProduct(id) => products::table
                .find(id)
                .select((
                    products::name,
                    products::price_cents,
                    products::currency,
                    products::stock,
                    products::archived,
                ))
                .first::<ProductRead>($conn)
                .map(|r| r.optional().map(Answer::Product))
                .boxed(),
            Step::Method(id) => shipping_methods::table
                .find(id)
                .select(ShippingMethodRow::as_select())
                .first($conn)
                .map(|r| r.optional().map(Answer::Method))
                .boxed(),
            Step::Address(id, user) => addresses::table
                .find(id)
                .filter(addresses::user_id.eq(user))
                .select(AddressRow::as_select())
                .first($conn)
                .map(|r| r.optional().map(Answer::Address))
                .boxed(),
            Step::RateOfCountry(country) => tax_rates::table
                .filter(tax_rates::country.eq(country))
                .select(TaxRateRow::as_select())
                .first($conn)
                .map(|r| r.optional().map(Answer::Rate))
                .boxed(),
            Step::RateOfAddress(id, user) => tax_rates::table
                .filter(
                    tax_rates::country.nullable().eq(addresses::table
                        .find(id)
                        .filter(addresses::user_id.eq(user))
                        .select(addresses::country)
                        .single_value()),
                )
                .select(TaxRateRow::as_select())
                .first($conn)
                .map(|r| r.optional().map(Answer::Rate))
                .boxed(),
            Step::TakeDiscount(code) => diesel::update(
                discount_codes::table
                    .filter(discount_codes::code.eq(code))
                    .filter(not(discount_codes::archived))
                    .filter(
                        discount_codes::max_uses
                            .is_null()
                            .or(discount_codes::uses.nullable().lt(discount_codes::max_uses)),
                    ),
            )
            .set(discount_codes::uses.eq(discount_codes::uses + 1))
            .returning(DiscountRow::as_returning())
            .cached()
            .get_result($conn)
            .map(|r| r.optional().map(Answer::Discount))
            .boxed(),
            Step::ReadDiscount(code) => discount_codes::table
                .filter(discount_codes::code.eq(code))
                .select(DiscountRow::as_select())
                .first($conn)
                .map(|r| r.optional().map(Answer::Discount))
                .boxed(),
            Step::CustomerUses(code, user) => discount_customer_uses::table
                .inner_join(discount_codes::table)
                .filter(discount_codes::code.eq(code))
                .filter(discount_customer_uses::user_id.eq(user))
                .select(discount_customer_uses::uses)
                .first::<i64>($conn)
                .map(|r| r.optional().map(Answer::CustomerUses))
                .boxed(),
            Step::TakeCustomerUse(row) => diesel::insert_into(discount_customer_uses::table)
                .values(row)
                .on_conflict((discount_customer_uses::discount_id, discount_customer_uses::user_id))
                .do_update()
                .set((
                    discount_customer_uses::uses.eq(discount_customer_uses::uses + 1),
                    discount_customer_uses::max_uses.eq(excluded(discount_customer_uses::max_uses)),
                ))
                .cached()
                .execute($conn)
                .map_ok(|_| Answer::Done)
                .boxed(),
            Step::InsertOrder(row) => {
                diesel::insert_into(orders::table).values(row).cached().execute($conn).map_ok(|_| Answer::Done).boxed()
            }
            // One INSERT per line (at most 100): diesel's multi-row INSERT
            // exists for SQLite only on its synchronous connection.
            Step::InsertLine(row) => diesel::insert_into(order_items::table)
                .values(row)
                .cached()
                .execute($conn)
                .map_ok(|_| Answer::Done)
                .boxed(),
            Step::InsertEvent(row) => insert_event!(row).execute($conn).map_ok(|_| Answer::Done).boxed(),
        }
    };
}

/// The connection a transaction runs on.
pub(super) enum Conn<'c> {
    Postgres(&'c AsyncPgConnection),
    Sqlite(&'c mut SyncConnectionWrapper<SqliteConnection>),
}

impl Conn<'_> {
    /// Runs `steps` in order as one flight of `phase` (module docs) and
    /// answers in the same order. The first error is returned; on
    /// PostgreSQL the statements after a failed one fail too, so the caller
    /// rolls back.
    pub(super) async fn flight(&mut self, phase: Phase, steps: &[Step<'_>]) -> QueryResult<Vec<Answer>> {
        match self {
            Conn::Postgres(conn) => {
                let mut c: &AsyncPgConnection = conn;
                let mut flight: Vec<BoxFuture<'_, QueryResult<Answer>>> = Vec::with_capacity(steps.len() + 2);
                if phase == Phase::Open {
                    flight.push(diesel::sql_query("BEGIN").cached().execute(&mut c).map_ok(|_| Answer::Done).boxed());
                }
                for step in steps {
                    flight.push(statement!(*step, &mut c));
                }
                if phase == Phase::Close {
                    flight.push(diesel::sql_query("COMMIT").cached().execute(&mut c).map_ok(|_| Answer::Done).boxed());
                }
                let mut answers = in_one_flight(flight).await?;
                if phase == Phase::Open {
                    answers.remove(0);
                }
                if phase == Phase::Close {
                    answers.pop();
                }
                Ok(answers)
            }
            Conn::Sqlite(conn) => {
                let mut answers = Vec::with_capacity(steps.len());
                for step in steps {
                    answers.push(statement!(*step, &mut **conn).await?);
                }
                Ok(answers)
            }
        }
    }
}
