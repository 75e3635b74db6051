//! Both backends' migrations make the schema `schema.rs` describes: the
//! same tables, columns, types and nullability. A migration written for one
//! backend and forgotten on the other fails here, not in production.

use std::collections::{BTreeMap, BTreeSet};

use zonmart_adapters::testing::{StoredColumn, TestDatabase};

/// Tables the migrations make that diesel never names: bookkeeping and the
/// search indexes' own tables. A new one must be listed here on purpose.
const NOT_IN_SCHEMA_RS: [&str; 11] = [
    "__diesel_schema_migrations",
    "sqlite_sequence",
    // SQLite's search (migration 2026-12-01-300000): FTS5 and its shadow tables.
    "product_name_trigrams",
    "product_name_trigrams_config",
    "product_name_trigrams_content",
    "product_name_trigrams_data",
    "product_name_trigrams_docsize",
    "product_name_trigrams_idx",
    "product_name_trigram_terms",
    "product_search_keys",
    // On Citus only (migrations/citus/distribute.sql): the SKUs' lookup,
    // written by raw SQL in the product repository.
    "product_skus",
];

/// `(table, column) → (diesel type, nullable)` from the `table!` blocks of
/// `schema.rs`.
fn declared() -> BTreeMap<(String, String), (String, bool)> {
    let source = include_str!("../src/schema.rs");
    let mut columns = BTreeMap::new();
    let mut table: Option<String> = None;
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_suffix('{').and_then(|head| head.split_once(" (")).map(|(n, _)| n) {
            if line.starts_with("    ") && !line.starts_with("        ") {
                table = Some(name.trim().to_owned());
                continue;
            }
        }
        if trimmed == "}" && line.starts_with("    ") && !line.starts_with("        ") {
            table = None;
            continue;
        }
        let (Some(table), Some((column, kind))) = (&table, trimmed.split_once(" -> ")) else { continue };
        let kind = kind.trim_end_matches(',');
        let (kind, nullable) = match kind.strip_prefix("Nullable<").and_then(|k| k.strip_suffix('>')) {
            Some(inner) => (inner, true),
            None => (kind, false),
        };
        columns.insert((table.clone(), column.to_owned()), (kind.to_owned(), nullable));
    }
    columns
}

/// Whether the database's type name is what diesel's type reads.
fn type_matches(diesel: &str, stored: &str) -> bool {
    let stored = stored.to_lowercase();
    match diesel {
        "Text" => stored == "text",
        "BigInt" => stored == "bigint" || stored == "integer",
        "Integer" => stored == "integer",
        "Bool" => stored == "boolean" || stored == "bool",
        "Timestamp" => stored == "timestamp without time zone" || stored == "timestamp" || stored == "datetime",
        _ => false,
    }
}

fn compare(backend: &str, stored: Vec<StoredColumn>) {
    let declared = declared();
    assert!(declared.len() > 100, "schema.rs was not read: {} columns", declared.len());
    let mut problems = Vec::new();
    let mut stored_keys = BTreeSet::new();
    let mut unknown_tables = BTreeSet::new();
    for column in &stored {
        if NOT_IN_SCHEMA_RS.contains(&column.table_name.as_str()) {
            continue;
        }
        let key = (column.table_name.clone(), column.column_name.clone());
        stored_keys.insert(key.clone());
        match declared.get(&key) {
            None if !declared.keys().any(|(t, _)| *t == column.table_name) => {
                unknown_tables.insert(column.table_name.clone());
            }
            None => problems.push(format!("{}.{}: in the database, not in schema.rs", key.0, key.1)),
            Some((kind, nullable)) => {
                if !type_matches(kind, &column.data_type) {
                    problems.push(format!("{}.{}: schema.rs {kind}, database {}", key.0, key.1, column.data_type));
                }
                if *nullable == column.not_null {
                    problems.push(format!(
                        "{}.{}: schema.rs {}, database {}",
                        key.0,
                        key.1,
                        if *nullable { "nullable" } else { "NOT NULL" },
                        if column.not_null { "NOT NULL" } else { "nullable" },
                    ));
                }
            }
        }
    }
    for table in unknown_tables {
        problems.push(format!("table {table}: in the database, not in schema.rs (nor in NOT_IN_SCHEMA_RS)"));
    }
    for key in declared.keys().filter(|key| !stored_keys.contains(*key)) {
        problems.push(format!("{}.{}: in schema.rs, not in the database", key.0, key.1));
    }
    assert!(problems.is_empty(), "{backend}'s migrated schema differs from schema.rs:\n{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlites_migrations_make_what_schema_rs_declares() {
    let db = TestDatabase::sqlite().await;
    compare("SQLite", db.columns().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn postgress_migrations_make_what_schema_rs_declares() {
    let Some(db) = TestDatabase::postgres().await else { return };
    compare("PostgreSQL", db.columns().await);
}

#[test]
fn a_column_missing_from_a_backend_is_reported() {
    let mut stored: Vec<StoredColumn> = declared()
        .into_iter()
        .map(|((table_name, column_name), (kind, nullable))| StoredColumn {
            table_name,
            column_name,
            data_type: match kind.as_str() {
                "Text" => "text",
                "BigInt" => "bigint",
                "Integer" => "integer",
                "Bool" => "boolean",
                _ => "timestamp",
            }
            .to_owned(),
            not_null: !nullable,
        })
        .collect();
    // As declared, it passes.
    compare("the declaration itself", stored.clone());
    stored.retain(|c| !(c.table_name == "orders" && c.column_name == "cancel_reason"));
    let forgotten = std::panic::catch_unwind(|| compare("a backend", stored));
    let message = forgotten.expect_err("a forgotten column fails");
    let message = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("orders.cancel_reason: in schema.rs, not in the database"), "{message}");
}
