//! The one statement that moves an order's status (and what comes with it:
//! the cancel reason, the payment), version-checked; shared by status
//! changes, the expiry and payments.

use chrono::NaiveDateTime;
use zonmart_domain::Order;

/// The columns a status move writes, taken from the order after the move.
#[derive(Debug, Clone)]
pub(super) struct StatusColumns {
    pub id: String,
    pub status: &'static str,
    pub cancel_reason: Option<&'static str>,
    pub paid_at: Option<NaiveDateTime>,
    pub payment_reference: Option<String>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

impl StatusColumns {
    pub fn of(order: &Order) -> Self {
        StatusColumns {
            id: order.id.to_string(),
            status: order.status.as_str(),
            cancel_reason: order.cancel_reason.map(|reason| reason.as_str()),
            paid_at: order.paid_at.map(|at| at.naive_utc()),
            payment_reference: order.payment_reference.clone(),
            version: order.version.get(),
            updated_at: order.updated_at.naive_utc(),
        }
    }
}

/// `UPDATE orders SET <the move> WHERE id = $id AND version = $expected`:
/// writes one row, or none when the order is missing or moved on.
macro_rules! update_status {
    ($columns:expr, $expected:expr) => {{
        use $crate::schema::orders;
        let columns: &$crate::order_repository::status::StatusColumns = $columns;
        ::diesel::update(orders::table.find(&columns.id).filter(orders::version.eq($expected)))
            .set((
                orders::status.eq(columns.status),
                orders::cancel_reason.eq(columns.cancel_reason),
                orders::paid_at.eq(columns.paid_at),
                orders::payment_reference.eq(&columns.payment_reference),
                orders::version.eq(columns.version),
                orders::updated_at.eq(columns.updated_at),
            ))
            .cached()
    }};
}
pub(super) use update_status;
