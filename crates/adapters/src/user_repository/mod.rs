//! `UserRepository` on the SQL database, PostgreSQL or SQLite alike.
//!
//! Deleted users (`deleted_at` set) are filtered out of every query, so they
//! are invisible and their names free again (the unique indexes are partial).
//! Version checks happen inside the one `UPDATE` that writes, never as a
//! read-then-write, so concurrent writers cannot both win.

mod rows;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use zonmart_domain::{Event, Page, PageRequest, PasswordHash, Timestamp, User, UserId, Version};
use zonmart_ports::{RepoError, UserFilter, UserRepository};

use self::rows::{to_naive, NewUserRow, UserChangeset, UserRow};
use crate::db::like::{lower, prefix_pattern};
use crate::db::versioned::{version_checked, Unwritten};
use crate::db::{in_write_transaction, with_conn, with_read_conn, with_write_conn, CacheStatement, Database, Rollback};
use crate::event_store::{insert_event, EventRow};
use crate::schema::users;

/// Stores users in the `users` table.
#[derive(Debug, Clone)]
pub struct SqlUserRepository {
    db: Database,
}

impl SqlUserRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Live (not deleted) users.
fn live() -> diesel::dsl::Filter<users::table, diesel::dsl::IsNull<users::deleted_at>> {
    users::table.filter(users::deleted_at.is_null())
}

#[async_trait]
impl UserRepository for SqlUserRepository {
    async fn insert(&self, user: &User, event: &Event) -> Result<(), RepoError> {
        let row = NewUserRow::from_user(user);
        let event = EventRow::from_event(event);
        let inserted = in_write_transaction!(self.db, |conn| {
            diesel::insert_into(users::table).values(&row).cached().execute(conn).await?;
            insert_event!(&event).execute(conn).await?;
            Ok::<_, Rollback<std::convert::Infallible>>(())
        })?;
        inserted.map_err(|never| match never {})
    }

    async fn find(&self, id: UserId) -> Result<Option<User>, RepoError> {
        let id = id.to_string();
        let row = with_read_conn!(self.db, |conn| {
            live().filter(users::id.eq(&id)).select(UserRow::as_select()).first(conn).await.optional()
        })?;
        row.map(User::try_from).transpose()
    }

    async fn find_by_login(&self, login: &str) -> Result<Option<User>, RepoError> {
        // E-mails are stored lower-cased by the domain's own rule, and
        // usernames are ASCII: lower-casing here matches both, and keeps
        // `lower(username) = $1` on the username index.
        let key = login.to_lowercase();
        let row = with_conn!(self.db, |conn| {
            live()
                .filter(lower(users::username).eq(&key).or(users::email.eq(&key)))
                .order(users::id.asc())
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
        })?;
        row.map(User::try_from).transpose()
    }

    async fn list(&self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, RepoError> {
        // One row more than asked tells whether a next page exists.
        let fetch = i64::from(page.limit.get()) + 1;
        let after = page.after.map(|cursor| cursor.id().to_string());
        let role = filter.role.map(|role| role.as_str());
        let pattern = filter.q.as_deref().map(prefix_pattern);
        let rows = with_conn!(self.db, |conn| {
            // ULIDs sort by creation time: newest first is id descending.
            let mut query = live().select(UserRow::as_select()).order(users::id.desc()).limit(fetch).into_boxed();
            if let Some(role) = role {
                query = query.filter(users::role.eq(role));
            }
            if let Some(pattern) = &pattern {
                query = query.filter(
                    lower(users::username)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(users::email.like(pattern.clone()).escape('\\')),
                );
            }
            if let Some(after) = &after {
                query = query.filter(users::id.lt(after.clone()));
            }
            query.load(conn).await
        })?;
        let users = rows.into_iter().map(User::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(users, page.limit, |user| user.id.ulid()))
    }

    async fn update(&self, user: &User, expected: Version) -> Result<(), RepoError> {
        let id = user.id.to_string();
        let changes = UserChangeset::from_user(user);
        let expected = expected.get();
        let outcome = with_write_conn!(self.db, |conn| {
            let written = diesel::update(live().filter(users::id.eq(&id)).filter(users::version.eq(expected)))
                .set(&changes)
                .cached()
                .execute(conn)
                .await?;
            if written > 0 {
                return Ok(Ok(()));
            }
            // Nothing written: tell a missing user from a stale version.
            let current =
                live().filter(users::id.eq(&id)).select(users::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(outcome)
    }

    async fn replace_password_hash(
        &self,
        id: UserId,
        current: &PasswordHash,
        replacement: &PasswordHash,
    ) -> Result<(), RepoError> {
        let id = id.to_string();
        let (current, replacement) = (current.as_str().to_owned(), replacement.as_str().to_owned());
        with_write_conn!(self.db, |conn| {
            diesel::update(live().filter(users::id.eq(&id)).filter(users::password_hash.eq(&current)))
                .set(users::password_hash.eq(&replacement))
                .cached()
                .execute(conn)
                .await
                .map(|_| ())
        })
    }

    async fn delete(&self, id: UserId, expected: Option<Version>, at: Timestamp) -> Result<(), RepoError> {
        let id = id.to_string();
        let at = to_naive(at);
        let expected = expected.map(Version::get);
        let outcome = with_write_conn!(self.db, |conn| {
            let mut delete = diesel::update(live().filter(users::id.eq(&id)))
                .set((users::deleted_at.eq(Some(at)), users::version.eq(users::version + 1), users::updated_at.eq(at)))
                .into_boxed();
            if let Some(expected) = expected {
                delete = delete.filter(users::version.eq(expected));
            }
            if delete.execute(conn).await? > 0 {
                return Ok(Ok(()));
            }
            // Nothing written: tell a missing user from a stale version.
            let current =
                live().filter(users::id.eq(&id)).select(users::version).first::<i64>(conn).await.optional()?;
            Ok(Err(Unwritten::from_current(current)))
        })?;
        version_checked(outcome)
    }
}
