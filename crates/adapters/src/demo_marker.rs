//! `DemoMarkerStore` on the SQL database: the one-row `demo_marker` table,
//! and whether `users` or `products` hold any row.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_ports::{DemoMarker, DemoMarkerStore, RepoError, StoreSurvey};

use crate::db::{with_conn, with_write_conn, Database};
use crate::schema::{demo_marker, products, users};

/// The marker's only row.
const MARKER_ID: i32 = 1;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = demo_marker)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct DemoMarkerRow {
    id: i32,
    admin_username: String,
    created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct SqlDemoMarkerStore {
    db: Database,
}

impl SqlDemoMarkerStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl DemoMarkerStore for SqlDemoMarkerStore {
    async fn survey(&self) -> Result<StoreSurvey, RepoError> {
        let (has_users, has_products, marker) = with_conn!(self.db, |conn| {
            let has_users: bool = diesel::select(exists(users::table.select(users::id))).get_result(conn).await?;
            let has_products: bool =
                diesel::select(exists(products::table.select(products::id))).get_result(conn).await?;
            let marker =
                demo_marker::table.find(MARKER_ID).select(DemoMarkerRow::as_select()).first(conn).await.optional()?;
            Ok((has_users, has_products, marker))
        })?;
        Ok(StoreSurvey {
            has_data: has_users || has_products,
            marker: marker
                .map(|row| DemoMarker { admin_username: row.admin_username, created_at: row.created_at.and_utc() }),
        })
    }

    async fn mark(&self, marker: &DemoMarker) -> Result<(), RepoError> {
        let row = DemoMarkerRow {
            id: MARKER_ID,
            admin_username: marker.admin_username.clone(),
            created_at: marker.created_at.naive_utc(),
        };
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(demo_marker::table)
                .values(&row)
                .on_conflict_do_nothing()
                .execute(conn)
                .await
                .map(|_| ())
        })
    }
}
