//! `ApiKeyRepository` on the SQL database, PostgreSQL or SQLite alike.
//!
//! Only a SHA-256 of each key is stored: keys carry 256 random bits, so a
//! fast hash cannot be brute-forced, and a lookup is one index probe.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{ApiKey, ApiKeyId, ApiKeyName, Page, PageRequest, Scope, Scopes, Timestamp, Version};
use zonmart_ports::{ApiKeyRepository, RepoError};

use crate::db::errors::corrupt;
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{with_conn, with_read_conn, with_write_conn, CacheStatement, Database};
use crate::digest::sha256_hex;
use crate::schema::api_keys;

/// Stores keys in the `api_keys` table.
#[derive(Debug, Clone)]
pub struct SqlApiKeyRepository {
    db: Database,
}

impl SqlApiKeyRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct KeyRow {
    id: String,
    name: String,
    scopes: String,
    prefix: String,
    revoked: bool,
    last_used_at: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
struct NewKeyRow {
    id: String,
    name: String,
    scopes: String,
    prefix: String,
    key_hash: String,
    revoked: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn scopes_text(scopes: Scopes) -> String {
    scopes.iter().map(Scope::as_str).collect::<Vec<_>>().join(",")
}

impl TryFrom<KeyRow> for ApiKey {
    type Error = RepoError;

    fn try_from(row: KeyRow) -> Result<ApiKey, RepoError> {
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("api key", &row.id, name, e);
        let scopes = row
            .scopes
            .split(',')
            .map(|s| s.parse::<Scope>())
            .collect::<Result<Scopes, _>>()
            .map_err(|e| field("scopes", &e))?;
        Ok(ApiKey {
            id: ApiKeyId::parse(&row.id).map_err(|e| field("id", &e))?,
            name: ApiKeyName::parse(&row.name).map_err(|e| field("name", &e))?,
            scopes,
            prefix: row.prefix,
            revoked: row.revoked,
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            version: Version::new(row.version).map_err(|e| field("version", &e))?,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

#[async_trait]
impl ApiKeyRepository for SqlApiKeyRepository {
    async fn insert(&self, key: &ApiKey, secret: &str) -> Result<(), RepoError> {
        let row = NewKeyRow {
            id: key.id.to_string(),
            name: key.name.as_str().to_owned(),
            scopes: scopes_text(key.scopes),
            prefix: key.prefix.clone(),
            key_hash: sha256_hex(secret.as_bytes()),
            revoked: key.revoked,
            version: key.version.get(),
            created_at: key.created_at.naive_utc(),
            updated_at: key.updated_at.naive_utc(),
        };
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(api_keys::table).values(&row).cached().execute(conn).await.map(|_| ())
        })
    }

    async fn find(&self, id: ApiKeyId) -> Result<Option<ApiKey>, RepoError> {
        let id = id.to_string();
        let row = with_conn!(self.db, |conn| {
            api_keys::table.find(&id).select(KeyRow::as_select()).first(conn).await.optional()
        })?;
        row.map(ApiKey::try_from).transpose()
    }

    async fn find_by_secret(&self, secret: &str) -> Result<Option<ApiKey>, RepoError> {
        let hash = sha256_hex(secret.as_bytes());
        let row = with_read_conn!(self.db, |conn| {
            api_keys::table
                .filter(api_keys::key_hash.eq(&hash))
                .select(KeyRow::as_select())
                .first(conn)
                .await
                .optional()
        })?;
        row.map(ApiKey::try_from).transpose()
    }

    async fn list(&self, page: PageRequest) -> Result<Page<ApiKey>, RepoError> {
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let rows = with_conn!(self.db, |conn| {
            let mut query =
                api_keys::table.select(KeyRow::as_select()).order(api_keys::id.desc()).limit(fetch).into_boxed();
            if let Some(after) = &after {
                query = query.filter(api_keys::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let keys = rows.into_iter().map(ApiKey::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(keys, page.limit, |key| key.id.ulid()))
    }

    async fn update(&self, key: &ApiKey, expected: Version) -> Result<(), RepoError> {
        let id = key.id.to_string();
        let (name, scopes) = (key.name.as_str().to_owned(), scopes_text(key.scopes));
        let (revoked, version, updated_at) = (key.revoked, key.version.get(), key.updated_at.naive_utc());
        let expected = expected.get();
        let written = with_write_conn!(self.db, |conn| {
            let written = diesel::update(api_keys::table.find(&id).filter(api_keys::version.eq(expected)))
                .set((
                    api_keys::name.eq(&name),
                    api_keys::scopes.eq(&scopes),
                    api_keys::revoked.eq(revoked),
                    api_keys::version.eq(version),
                    api_keys::updated_at.eq(updated_at),
                ))
                .execute(conn)
                .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            let current = api_keys::table.find(&id).select(api_keys::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(written)
    }

    async fn record_use(&self, id: ApiKeyId, at: Timestamp) -> Result<(), RepoError> {
        let id = id.to_string();
        let at = at.naive_utc();
        with_write_conn!(self.db, |conn| {
            diesel::update(api_keys::table.find(&id)).set(api_keys::last_used_at.eq(at)).execute(conn).await.map(|_| ())
        })
    }
}
