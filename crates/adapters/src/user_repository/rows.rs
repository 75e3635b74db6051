//! Users as rows and back. A stored row that no longer passes the domain's
//! validation is reported as an internal error, never a panic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use zonmart_domain::{Address, Email, FullName, PasswordHash, Role, Timestamp, User, UserId, Username, Version};
use zonmart_ports::RepoError;

use crate::db::errors::corrupt;
use crate::schema::users;

/// A live user's row, as read (`deleted_at` is always NULL there).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(super) struct UserRow {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub address: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub password_hash: String,
    pub session_generation: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new row: every column but `deleted_at`.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(super) struct NewUserRow {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub address: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub password_hash: String,
    pub session_generation: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Everything an update may change. `None` clears a column (it does not mean
/// "leave alone": the user is written whole).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub(super) struct UserChangeset {
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub address: Option<String>,
    pub role: String,
    pub disabled: bool,
    pub password_hash: String,
    pub session_generation: i64,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

impl NewUserRow {
    pub fn from_user(user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            username: user.username.as_str().to_owned(),
            email: user.email.as_ref().map(|e| e.as_str().to_owned()),
            full_name: user.full_name.as_ref().map(|n| n.as_str().to_owned()),
            address: user.address.as_ref().map(|a| a.as_str().to_owned()),
            role: user.role.as_str().to_owned(),
            disabled: user.disabled,
            password_hash: user.password_hash.as_str().to_owned(),
            session_generation: user.session_generation,
            version: user.version.get(),
            created_at: to_naive(user.created_at),
            updated_at: to_naive(user.updated_at),
        }
    }
}

impl UserChangeset {
    pub fn from_user(user: &User) -> Self {
        Self {
            username: user.username.as_str().to_owned(),
            email: user.email.as_ref().map(|e| e.as_str().to_owned()),
            full_name: user.full_name.as_ref().map(|n| n.as_str().to_owned()),
            address: user.address.as_ref().map(|a| a.as_str().to_owned()),
            role: user.role.as_str().to_owned(),
            disabled: user.disabled,
            password_hash: user.password_hash.as_str().to_owned(),
            session_generation: user.session_generation,
            version: user.version.get(),
            updated_at: to_naive(user.updated_at),
        }
    }
}

impl TryFrom<UserRow> for User {
    type Error = RepoError;

    fn try_from(row: UserRow) -> Result<User, RepoError> {
        let id = UserId::parse(&row.id).map_err(|e| corrupt("user", &row.id, "id", e))?;
        let field = |name: &str, e: &dyn std::fmt::Display| corrupt("user", &row.id, name, e);
        Ok(User {
            id,
            username: Username::parse(&row.username).map_err(|e| field("username", &e))?,
            email: row.email.as_deref().map(Email::parse).transpose().map_err(|e| field("email", &e))?,
            full_name: row.full_name.as_deref().map(FullName::parse).transpose().map_err(|e| field("full_name", &e))?,
            address: row.address.as_deref().map(Address::parse).transpose().map_err(|e| field("address", &e))?,
            role: row.role.parse::<Role>().map_err(|e| field("role", &e))?,
            disabled: row.disabled,
            password_hash: PasswordHash::new(row.password_hash),
            session_generation: row.session_generation,
            version: Version::new(row.version).map_err(|e| field("version", &e))?,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Stored times are naive UTC (see `schema`).
pub(super) fn to_naive(at: Timestamp) -> NaiveDateTime {
    at.naive_utc()
}
