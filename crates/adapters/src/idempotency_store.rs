//! `IdempotencyStore` on the SQL database.
//!
//! The primary key `(user_id, key)` decides among concurrent claims: each
//! tries `INSERT ... ON CONFLICT DO NOTHING`, and only the one whose row went
//! in has claimed the key. Taking over an abandoned claim is one conditional
//! `UPDATE`, so of two takers only one wins. No statement here needs another
//! in the same transaction: each step is atomic on its own.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{IdempotencyKey, Timestamp, UserId};
use zonmart_ports::{Claim, IdempotencyStore, RepoError, StoredResponse};

use crate::db::{with_write_conn, CacheStatement, Database};
use crate::schema::idempotency_keys;

/// Stores idempotency keys and their answers in the `idempotency_keys` table.
#[derive(Debug, Clone)]
pub struct SqlIdempotencyStore {
    db: Database,
}

impl SqlIdempotencyStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = idempotency_keys)]
struct NewKeyRow {
    user_id: String,
    key: String,
    request_hash: String,
    created_at: NaiveDateTime,
    claimed_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct KeyRow {
    request_hash: String,
    body: Option<String>,
    claimed_at: NaiveDateTime,
}

/// What a claim found, before rows become the port's values.
enum Found {
    Claimed,
    Replay { body: String },
    InFlight,
    Mismatch,
}

/// How often a claim tries to insert when the record it lost to vanished
/// before it could read it (released or purged in between).
const CLAIM_ATTEMPTS: usize = 2;

#[async_trait]
impl IdempotencyStore for SqlIdempotencyStore {
    async fn claim(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        request_hash: &str,
        now: Timestamp,
        expired_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> Result<Claim, RepoError> {
        let (now, expired_before, abandoned_before) =
            (now.naive_utc(), expired_before.naive_utc(), abandoned_before.naive_utc());
        let row = NewKeyRow {
            user_id: user.to_string(),
            key: key.as_str().to_owned(),
            request_hash: request_hash.to_owned(),
            created_at: now,
            claimed_at: now,
        };
        let found = with_write_conn!(self.db, |conn| {
            let this = idempotency_keys::table.find((&row.user_id, &row.key));
            // An expired record counts as absent.
            diesel::delete(this.filter(idempotency_keys::created_at.lt(expired_before))).execute(conn).await?;
            for _ in 0..CLAIM_ATTEMPTS {
                let inserted = diesel::insert_into(idempotency_keys::table)
                    .values(&row)
                    .on_conflict_do_nothing()
                    .cached()
                    .execute(conn)
                    .await?;
                if inserted > 0 {
                    return Ok(Found::Claimed);
                }
                let Some(record) = this.select(KeyRow::as_select()).first(conn).await.optional()? else {
                    continue;
                };
                if record.request_hash != row.request_hash {
                    return Ok(Found::Mismatch);
                }
                if let Some(body) = record.body {
                    return Ok(Found::Replay { body });
                }
                if record.claimed_at >= abandoned_before {
                    return Ok(Found::InFlight);
                }
                // Its request died: take it over, unless someone else just did.
                let taken = diesel::update(
                    this.filter(idempotency_keys::body.is_null())
                        .filter(idempotency_keys::claimed_at.lt(abandoned_before)),
                )
                .set(idempotency_keys::claimed_at.eq(now))
                .cached()
                .execute(conn)
                .await?;
                return Ok(if taken > 0 { Found::Claimed } else { Found::InFlight });
            }
            Ok(Found::InFlight)
        })?;
        Ok(match found {
            Found::Claimed => Claim::Claimed,
            Found::InFlight => Claim::InFlight,
            Found::Mismatch => Claim::Mismatch,
            Found::Replay { body } => Claim::Replay(StoredResponse { body }),
        })
    }

    /// `NotFound` when the key holds no unfinished claim (it was released,
    /// expired, or already completed).
    async fn complete(&self, user: UserId, key: &IdempotencyKey, response: &StoredResponse) -> Result<(), RepoError> {
        let (user, key) = (user.to_string(), key.as_str().to_owned());
        let body = response.body.clone();
        let completed = with_write_conn!(self.db, |conn| {
            diesel::update(idempotency_keys::table.find((&user, &key)).filter(idempotency_keys::body.is_null()))
                .set(idempotency_keys::body.eq(Some(&body)))
                .cached()
                .execute(conn)
                .await
        })?;
        if completed == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }

    /// Idempotent; a completed answer is never released.
    async fn release(&self, user: UserId, key: &IdempotencyKey) -> Result<(), RepoError> {
        let (user, key) = (user.to_string(), key.as_str().to_owned());
        with_write_conn!(self.db, |conn| {
            diesel::delete(idempotency_keys::table.find((&user, &key)).filter(idempotency_keys::body.is_null()))
                .execute(conn)
                .await
                .map(|_| ())
        })
    }

    async fn purge_expired(&self, expired_before: Timestamp) -> Result<u64, RepoError> {
        let expired_before = expired_before.naive_utc();
        let purged = with_write_conn!(self.db, |conn| {
            diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(expired_before)))
                .execute(conn)
                .await
        })?;
        Ok(u64::try_from(purged).unwrap_or(u64::MAX))
    }
}
