//! The one place where database and pool errors become the ports'
//! `RepoError`. Nothing above the adapters sees a diesel or driver error.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use zonmart_ports::RepoError;

/// Unique indexes and the client field each one protects.
const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("users_username_key", "username"),
    ("users_email_key", "email"),
    ("products_sku_key", "sku"),
    ("carts_user_id_key", "user_id"),
    ("tax_rates_country_key", "country"),
    ("discount_codes_code_key", "code"),
];

/// Columns SQLite may name instead of an index (`UNIQUE constraint failed: users.email`).
const UNIQUE_COLUMNS: &[(&str, &str)] = &[
    ("users.username", "username"),
    ("users.email", "email"),
    ("products.sku", "sku"),
    ("carts.user_id", "user_id"),
    ("tax_rates.country", "country"),
    ("discount_codes.code", "code"),
];

/// Translates a diesel error into what a repository may answer.
pub(crate) fn from_diesel(error: DieselError) -> RepoError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match duplicate_field(info.as_ref()) {
            Some(field) => RepoError::Duplicate { field: field.to_owned() },
            // A primary-key clash or an unknown index is a bug, not the client's doing.
            None => RepoError::Internal(format!("unique violation: {}", info.message())),
        },
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            // After a failover a connection may still point at a standby.
            | DatabaseErrorKind::ReadOnlyTransaction,
            info,
        ) => RepoError::Unavailable(info.message().to_owned()),
        // Reached only once a transaction's retries ran out (see `is_retryable`).
        ref retryable if is_retryable(retryable) => RepoError::Unavailable(retryable.to_string()),
        DieselError::DatabaseError(_, info) if is_unavailable_message(info.message()) => {
            RepoError::Unavailable(info.message().to_owned())
        }
        other => RepoError::Internal(other.to_string()),
    }
}

/// Whether running the whole transaction again may succeed: PostgreSQL's
/// serialization failure (40001) and deadlock (40P01), SQLite's busy or
/// locked database. Write transactions retry these a bounded number of times
/// (`db::transaction`); nothing above the adapters ever sees them.
pub(crate) fn is_retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        // diesel reports 40P01 as `Unknown`, and its error information does
        // not carry the SQLSTATE: the message is all there is.
        DieselError::DatabaseError(_, info) => {
            // Citus cancels one transaction of a deadlock across workers
            // with a message of its own (seen while shards were moved).
            const MARKERS: &[&str] = &[
                "deadlock detected",
                "involved in a distributed deadlock",
                "database is locked",
                "database table is locked",
            ];
            MARKERS.iter().any(|marker| info.message().contains(marker))
        }
        _ => false,
    }
}

/// A stored row that no longer passes the domain's validation: a broken
/// invariant, reported as internal, never a panic.
pub(crate) fn corrupt(record: &str, id: &str, column: &str, error: impl std::fmt::Display) -> RepoError {
    RepoError::Internal(format!("stored {record} {id} has an invalid {column}: {error}"))
}

/// Translates a failed pool checkout: the store cannot serve now.
pub(crate) fn from_pool(error: diesel_async::pooled_connection::deadpool::PoolError) -> RepoError {
    use deadpool::managed::PoolError;
    match error {
        PoolError::Timeout(kind) => RepoError::Unavailable(format!("connection pool timed out ({kind:?})")),
        PoolError::Backend(e) => RepoError::Unavailable(format!("cannot connect: {e}")),
        PoolError::Closed => RepoError::Unavailable("connection pool closed".to_owned()),
        other => RepoError::Internal(format!("connection pool: {other}")),
    }
}

/// The client field a unique violation concerns. PostgreSQL names the
/// constraint; SQLite only says it in its message, as an index name or as
/// `table.column`; Citus names a shard's copy of the index, in its message
/// only when the violation happened on a worker.
fn duplicate_field(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> Option<&'static str> {
    let by_name = |name: &str| {
        let index = unsharded(name);
        UNIQUE_FIELDS.iter().find(|(known, _)| *known == index).map(|(_, field)| *field)
    };
    if let Some(field) = info.constraint_name().and_then(by_name) {
        return Some(field);
    }
    let message = info.message();
    // The names the message quotes, as "name" (PostgreSQL) or 'name' (SQLite).
    let quoted = message.split(['"', '\'']).skip(1).step_by(2);
    quoted
        .filter_map(by_name)
        .next()
        .or_else(|| UNIQUE_COLUMNS.iter().find(|(column, _)| message.contains(column)).map(|(_, field)| *field))
}

/// The index a Citus shard's copy of it stands for: Citus names the copy
/// after the index with the shard's id (`users_username_key_102649`).
fn unsharded(name: &str) -> &str {
    match name.rsplit_once('_') {
        Some((index, shard)) if !shard.is_empty() && shard.bytes().all(|b| b.is_ascii_digit()) => index,
        _ => name,
    }
}

/// Errors that mean "the store is gone", whose kind diesel leaves as
/// `Unknown`: PostgreSQL shutting a session down, or a Citus coordinator that
/// cannot reach a worker (SQLSTATE 08006, while Patroni promotes a worker's
/// replica). (A busy store is `is_retryable`, and unavailable too once
/// retrying is over.)
fn is_unavailable_message(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "connection closed",
        "connection to the remote node",
        "could not establish any connections to the node",
    ];
    MARKERS.iter().any(|marker| message.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Info {
        message: &'static str,
        constraint: Option<&'static str>,
    }

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.message
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            self.constraint
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn db_error(kind: DatabaseErrorKind, message: &'static str, constraint: Option<&'static str>) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(Info { message, constraint }))
    }

    fn duplicate(field: &str) -> RepoError {
        RepoError::Duplicate { field: field.to_owned() }
    }

    #[test]
    fn postgres_names_the_index_of_a_unique_violation() {
        let e = db_error(
            DatabaseErrorKind::UniqueViolation,
            "duplicate key value violates unique constraint \"users_username_key\"",
            Some("users_username_key"),
        );
        assert_eq!(from_diesel(e), duplicate("username"));
    }

    #[test]
    fn sqlite_names_an_expression_index_in_its_message() {
        let e =
            db_error(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed: index 'users_username_key'", None);
        assert_eq!(from_diesel(e), duplicate("username"));
    }

    #[test]
    fn sqlite_names_a_column_index_by_its_column() {
        let e = db_error(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed: users.email", None);
        assert_eq!(from_diesel(e), duplicate("email"));
    }

    #[test]
    fn citus_names_a_shards_copy_of_the_index_on_a_worker_and_on_the_coordinator() {
        let worker = db_error(
            DatabaseErrorKind::UniqueViolation,
            "duplicate key value violates unique constraint \"users_username_key_102649\"",
            None,
        );
        let coordinator = db_error(
            DatabaseErrorKind::UniqueViolation,
            "duplicate key value violates unique constraint \"carts_user_id_key_102655\"",
            Some("carts_user_id_key_102655"),
        );
        assert_eq!(from_diesel(worker), duplicate("username"));
        assert_eq!(from_diesel(coordinator), duplicate("user_id"));
        let primary_key = db_error(DatabaseErrorKind::UniqueViolation, "unique constraint \"users_pkey_102649\"", None);
        assert!(matches!(from_diesel(primary_key), RepoError::Internal(_)));
    }

    #[test]
    fn a_distributed_deadlock_on_citus_is_retried_like_a_local_one() {
        let e = db_error(
            DatabaseErrorKind::Unknown,
            "canceling the transaction since it was involved in a distributed deadlock",
            None,
        );
        assert!(is_retryable(&e));
        assert!(matches!(from_diesel(e), RepoError::Unavailable(_)));
    }

    #[test]
    fn a_citus_worker_out_of_reach_is_unavailable_not_internal() {
        for message in [
            "connection to the remote node postgres@127.0.0.1:5452 failed with the following error: Connection refused",
            "could not establish any connections to the node 127.0.0.1:5452 after 5000 ms",
        ] {
            let e = db_error(DatabaseErrorKind::Unknown, message, None);
            assert!(matches!(from_diesel(e), RepoError::Unavailable(_)), "{message}");
        }
    }

    #[test]
    fn a_primary_key_clash_is_internal() {
        let e = db_error(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed: users.id", None);
        assert!(matches!(from_diesel(e), RepoError::Internal(_)));
    }

    #[test]
    fn lost_connections_and_lock_timeouts_are_unavailable() {
        let closed = db_error(DatabaseErrorKind::ClosedConnection, "server closed the connection", None);
        let locked = db_error(DatabaseErrorKind::Unknown, "database is locked", None);
        assert!(matches!(from_diesel(closed), RepoError::Unavailable(_)));
        assert!(matches!(from_diesel(locked), RepoError::Unavailable(_)));
    }

    #[test]
    fn a_taken_sku_or_a_second_cart_is_a_duplicate_on_both_backends() {
        let pg = db_error(DatabaseErrorKind::UniqueViolation, "duplicate key", Some("products_sku_key"));
        let sqlite = db_error(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed: carts.user_id", None);
        assert_eq!(from_diesel(pg), duplicate("sku"));
        assert_eq!(from_diesel(sqlite), duplicate("user_id"));
    }

    #[test]
    fn serialization_failures_deadlocks_and_busy_databases_are_retryable() {
        let retryable = [
            db_error(DatabaseErrorKind::SerializationFailure, "could not serialize access", None),
            db_error(DatabaseErrorKind::Unknown, "deadlock detected", None),
            db_error(DatabaseErrorKind::Unknown, "database is locked", None),
        ];
        for e in retryable {
            assert!(is_retryable(&e), "{e}");
            assert!(matches!(from_diesel(e), RepoError::Unavailable(_)), "retries exhausted: unavailable");
        }
        let check = db_error(DatabaseErrorKind::CheckViolation, "products_stock_check", None);
        assert!(!is_retryable(&check));
        assert!(!is_retryable(&DieselError::NotFound));
    }

    #[test]
    fn anything_else_is_internal() {
        let e = db_error(DatabaseErrorKind::CheckViolation, "CHECK constraint failed: users_role_check", None);
        assert!(matches!(from_diesel(e), RepoError::Internal(_)));
        assert!(matches!(from_diesel(DieselError::NotFound), RepoError::Internal(_)));
    }
}
