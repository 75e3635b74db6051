//! Sharding on Citus. When the database has the citus extension, the
//! migrations are followed by `migrations/citus/distribute.sql`, which places
//! every table (distributed, reference or local to the coordinator; the
//! layout and its reasons are in the README, "Sharding on Citus"). It checks
//! each step against Citus's catalogue, so it is safe to run at every start.
//!
//! What the layout costs the adapters is one thing: a distributed table's
//! unique index must contain its distribution column, so products (by id)
//! cannot keep `products_sku_key`. Their SKUs are then unique through the
//! lookup table `product_skus` (by SKU), which the product repository writes
//! in the product's transaction when [`super::Database::is_sharded`] says so.
//! Without it two products could take one SKU.

use diesel::sql_types::Bool;
use diesel::{QueryableByName, RunQueryDsl};

use super::DbError;

const DISTRIBUTE: &str = include_str!("../../../../migrations/citus/distribute.sql");

#[derive(QueryableByName)]
struct Present {
    #[diesel(sql_type = Bool)]
    present: bool,
}

/// Distributes the schema when the database has the citus extension;
/// whether it has it.
pub(crate) fn distribute_if_citus<C>(conn: &mut C) -> Result<bool, DbError>
where
    C: diesel::connection::LoadConnection<Backend = diesel::pg::Pg>,
{
    let citus = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present")
        .get_result::<Present>(conn)
        .map_err(|e| DbError::Migration(format!("checking for citus: {e}")))?
        .present;
    if citus {
        for statement in statements(DISTRIBUTE) {
            conn.batch_execute(&statement)
                .map_err(|e| DbError::Migration(format!("distributing the schema on citus: {e}")))?;
        }
    }
    Ok(citus)
}

/// The script's statements, one by one as psql sends them (each in its own
/// implicit transaction unless the script opens one), without psql's own
/// commands (`\set`, `\o`). A statement ends with a line ending in `;`
/// outside a `$$` body.
fn statements(script: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut current = String::new();
    let mut in_body = false;
    for line in script.lines() {
        if !in_body && line.trim_start().starts_with('\\') {
            continue;
        }
        if !in_body && current.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with("--")) {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_body = !in_body;
        }
        if !in_body && line.trim_end().ends_with(';') {
            all.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        all.push(current);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_splits_into_statements_keeping_function_bodies_whole_and_dropping_psql_commands() {
        let script = "\\set ON_ERROR_STOP 1\n-- a comment\nBEGIN;\nDO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;\n\\o /dev/null\nSELECT 1; \nCOMMIT;\n";
        assert_eq!(
            statements(script),
            vec!["BEGIN;\n", "DO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;\n", "SELECT 1; \n", "COMMIT;\n"]
        );
    }

    #[test]
    fn the_distribution_script_has_no_statement_left_open() {
        let all = statements(DISTRIBUTE);
        assert!(all.len() > 20, "{} statements", all.len());
        assert!(all.iter().all(|s| s.trim_end().ends_with(';')), "a statement is unterminated");
        assert!(all.iter().all(|s| !s.contains("\\o") && !s.contains("\\set")));
    }
}
