//! `RefreshTokenStore` on the SQL database.
//!
//! Only a SHA-256 of each secret is stored: a leaked table yields no usable
//! token, and since secrets carry 256 random bits a fast hash is enough (and
//! lets a lookup be one index probe). Consuming a token is one conditional
//! `UPDATE ... RETURNING`, so of two concurrent presentations only one finds
//! it live.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use ulid::Ulid;
use zonmart_domain::ids::parse_ulid;
use zonmart_domain::{Timestamp, UserId};
use zonmart_ports::{Consumed, RefreshToken, RefreshTokenStore, RepoError};

use crate::db::{with_conn, with_write_conn, CacheStatement, Database};
use crate::digest::sha256_hex;
use crate::schema::refresh_tokens;

/// Stores refresh tokens in the `refresh_tokens` table.
#[derive(Debug, Clone)]
pub struct SqlRefreshTokenStore {
    db: Database,
}

impl SqlRefreshTokenStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct TokenRow {
    id: String,
    family_id: String,
    user_id: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    session_generation: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewTokenRow {
    id: String,
    family_id: String,
    user_id: String,
    secret_hash: String,
    session_generation: i64,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// What a consume found, before rows become domain values.
enum Found {
    Live(TokenRow),
    Spent(TokenRow),
    Expired,
    Unknown,
}

#[async_trait]
impl RefreshTokenStore for SqlRefreshTokenStore {
    async fn insert(&self, secret: &str, token: &RefreshToken) -> Result<(), RepoError> {
        let row = NewTokenRow {
            id: token.id.to_string(),
            family_id: token.family_id.to_string(),
            user_id: token.user_id.to_string(),
            secret_hash: sha256_hex(secret.as_bytes()),
            session_generation: token.session_generation,
            created_at: token.created_at.naive_utc(),
            expires_at: token.expires_at.naive_utc(),
        };
        with_write_conn!(self.db, |conn| {
            diesel::insert_into(refresh_tokens::table).values(&row).cached().execute(conn).await.map(|_| ())
        })
    }

    async fn consume(&self, secret: &str, now: Timestamp) -> Result<Consumed, RepoError> {
        let hash = sha256_hex(secret.as_bytes());
        let now = now.naive_utc();
        let found = with_write_conn!(self.db, |conn| {
            let live = diesel::update(
                refresh_tokens::table
                    .filter(refresh_tokens::secret_hash.eq(&hash))
                    .filter(refresh_tokens::used_at.is_null())
                    .filter(refresh_tokens::revoked_at.is_null())
                    .filter(refresh_tokens::expires_at.gt(now)),
            )
            .set(refresh_tokens::used_at.eq(Some(now)))
            .returning(TokenRow::as_returning())
            .cached()
            .get_result(conn)
            .await
            .optional()?;
            if let Some(row) = live {
                return Ok(Found::Live(row));
            }
            let row = refresh_tokens::table
                .filter(refresh_tokens::secret_hash.eq(&hash))
                .select(TokenRow::as_select())
                .first(conn)
                .await
                .optional()?;
            Ok(match row {
                None => Found::Unknown,
                // Reuse is the signal of theft, whether or not it also expired.
                Some(row) if row.used_at.is_some() || row.revoked_at.is_some() => Found::Spent(row),
                Some(_) => Found::Expired,
            })
        })?;
        Ok(match found {
            Found::Live(row) => Consumed::Live(row.try_into()?),
            Found::Spent(row) => Consumed::Spent(row.try_into()?),
            Found::Expired => Consumed::Expired,
            Found::Unknown => Consumed::Unknown,
        })
    }

    async fn find(&self, secret: &str) -> Result<Option<RefreshToken>, RepoError> {
        let hash = sha256_hex(secret.as_bytes());
        let row = with_conn!(self.db, |conn| {
            refresh_tokens::table
                .filter(refresh_tokens::secret_hash.eq(&hash))
                .select(TokenRow::as_select())
                .first(conn)
                .await
                .optional()
        })?;
        row.map(RefreshToken::try_from).transpose()
    }

    async fn revoke_family(&self, family_id: Ulid, now: Timestamp) -> Result<(), RepoError> {
        let family_id = family_id.to_string();
        let now = now.naive_utc();
        with_write_conn!(self.db, |conn| {
            diesel::update(
                refresh_tokens::table
                    .filter(refresh_tokens::family_id.eq(&family_id))
                    .filter(refresh_tokens::revoked_at.is_null()),
            )
            .set(refresh_tokens::revoked_at.eq(Some(now)))
            .cached()
            .execute(conn)
            .await
            .map(|_| ())
        })
    }

    async fn purge_expired(&self, now: Timestamp) -> Result<u64, RepoError> {
        let now = now.naive_utc();
        let purged = with_write_conn!(self.db, |conn| {
            diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now))).execute(conn).await
        })?;
        Ok(u64::try_from(purged).unwrap_or(u64::MAX))
    }
}

impl TryFrom<TokenRow> for RefreshToken {
    type Error = RepoError;

    fn try_from(row: TokenRow) -> Result<RefreshToken, RepoError> {
        let corrupt =
            |column: &str| RepoError::Internal(format!("stored refresh token {} has an invalid {column}", row.id));
        Ok(RefreshToken {
            id: parse_ulid(&row.id).map_err(|_| corrupt("id"))?,
            family_id: parse_ulid(&row.family_id).map_err(|_| corrupt("family_id"))?,
            user_id: UserId::parse(&row.user_id).map_err(|_| corrupt("user_id"))?,
            session_generation: row.session_generation,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.and_utc(),
        })
    }
}
