//! User bodies. No response shape has a field for the password or its hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zonmart_domain::{
    Address, Email, FullName, NewUser, Password, Role, User, UserChanges, Username, ValidationErrors,
};

use super::double_option;
use super::rules;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleDto {
    Customer,
    Admin,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Customer => Role::Customer,
            RoleDto::Admin => Role::Admin,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Customer => RoleDto::Customer,
            Role::Admin => RoleDto::Admin,
        }
    }
}

/// `POST /api/v1/auth/register`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "email": "alice@example.com", "password": "correct horse battery", "full_name": "Alice Liddell", "address": "1 Rabbit Hole, Oxford"}))]
pub struct RegisterRequest {
    #[schema(schema_with = rules::username::required)]
    pub username: String,
    #[schema(schema_with = rules::email::optional)]
    pub email: Option<String>,
    #[schema(schema_with = rules::password::required)]
    pub password: String,
    #[schema(schema_with = rules::postal_address::optional)]
    pub address: Option<String>,
    #[schema(schema_with = rules::full_name::optional)]
    pub full_name: Option<String>,
}

/// `POST /api/v1/users` (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(schema_with = rules::username::required)]
    pub username: String,
    #[schema(schema_with = rules::email::optional)]
    pub email: Option<String>,
    #[schema(schema_with = rules::password::required)]
    pub password: String,
    #[schema(schema_with = rules::postal_address::optional)]
    pub address: Option<String>,
    #[schema(schema_with = rules::full_name::optional)]
    pub full_name: Option<String>,
    /// Defaults to `customer`.
    pub role: Option<RoleDto>,
}

fn new_user(
    username: &str,
    email: Option<&str>,
    password: &str,
    address: Option<&str>,
    full_name: Option<&str>,
) -> Result<NewUser, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let username = errors.check("username", Username::parse(username));
    let email = email.map(|e| errors.check("email", Email::parse(e)));
    let password = errors.check("password", Password::parse(password));
    let address = address.map(|a| errors.check("address", Address::parse(a)));
    let full_name = full_name.map(|n| errors.check("full_name", FullName::parse(n)));
    match (username, password) {
        (Some(username), Some(password)) if errors.is_empty() => Ok(NewUser {
            username,
            email: email.flatten(),
            password,
            address: address.flatten(),
            full_name: full_name.flatten(),
        }),
        _ => Err(errors),
    }
}

impl RegisterRequest {
    pub fn into_domain(self) -> Result<NewUser, ValidationErrors> {
        new_user(
            &self.username,
            self.email.as_deref(),
            &self.password,
            self.address.as_deref(),
            self.full_name.as_deref(),
        )
    }
}

impl CreateUserRequest {
    pub fn into_domain(self) -> Result<(NewUser, Role), ValidationErrors> {
        let role = self.role.map(Role::from).unwrap_or(Role::Customer);
        new_user(
            &self.username,
            self.email.as_deref(),
            &self.password,
            self.address.as_deref(),
            self.full_name.as_deref(),
        )
        .map(|u| (u, role))
    }
}

/// `PATCH /api/v1/users/{id}`: only the fields sent change; `null` clears
/// `email`, `full_name` or `address`. A customer changing `password` must
/// also send `current_password`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Alice L.", "version": 1}))]
pub struct UpdateUserRequest {
    #[schema(schema_with = rules::username::optional)]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::email::optional)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::full_name::optional)]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = rules::postal_address::optional)]
    pub address: Option<Option<String>>,
    #[schema(schema_with = rules::password::optional)]
    pub password: Option<String>,
    pub current_password: Option<String>,
    /// Admins only.
    pub role: Option<RoleDto>,
    /// Admins only.
    pub disabled: Option<bool>,
    /// The version you read (alternative to `If-Match`).
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl UpdateUserRequest {
    pub fn into_domain(self) -> Result<UserChanges, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let username = self.username.map(|u| errors.check("username", Username::parse(&u)));
        let email = self.email.map(|e| e.map(|e| errors.check("email", Email::parse(&e))));
        let full_name = self.full_name.map(|n| n.map(|n| errors.check("full_name", FullName::parse(&n))));
        let address = self.address.map(|a| a.map(|a| errors.check("address", Address::parse(&a))));
        let password = self.password.map(|p| errors.check("password", Password::parse(&p)));
        errors.into_result(|| UserChanges {
            username: username.flatten(),
            email: email.map(Option::flatten),
            full_name: full_name.map(Option::flatten),
            address: address.map(Option::flatten),
            password: password.flatten(),
            current_password: self.current_password,
            role: self.role.map(Role::from),
            disabled: self.disabled,
        })
    }
}

/// A user as every response shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    #[schema(example = "01JDQ3M6Z9Y8X7W6V5T4S3R2Q1")]
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub address: Option<String>,
    pub role: RoleDto,
    pub disabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        UserBody {
            id: u.id.to_string(),
            username: u.username.as_str().to_owned(),
            email: u.email.as_ref().map(|e| e.as_str().to_owned()),
            full_name: u.full_name.as_ref().map(|n| n.as_str().to_owned()),
            address: u.address.as_ref().map(|a| a.as_str().to_owned()),
            role: u.role.into(),
            disabled: u.disabled,
            version: u.version.get(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Filters of `GET /api/v1/users`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Prefix of the username or e-mail, ignoring case.
    pub q: Option<String>,
    pub role: Option<RoleDto>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
