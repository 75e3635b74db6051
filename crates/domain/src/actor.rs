//! Who is acting, and what their role lets them do. Use cases decide
//! authorization with these rules; handlers never do.
//!
//! An actor is a user (by role) or a service holding an API key: a service
//! acts as an admin would, but only within its [`Scopes`], and never on user
//! accounts (users, carts, API keys, placing orders).

use std::fmt;
use std::str::FromStr;
use thiserror::Error;

use crate::ids::UserId;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Customer,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("must be one of: customer, admin")]
pub struct InvalidRole;

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = InvalidRole;
    fn from_str(s: &str) -> Result<Self, InvalidRole> {
        match s {
            "customer" => Ok(Role::Customer),
            "admin" => Ok(Role::Admin),
            _ => Err(InvalidRole),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a service API key may do (API.md, "Service API keys").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Product (and other catalog) writes.
    CatalogWrite,
    /// Every order, as an admin sees them.
    OrdersRead,
    /// The order status moves an admin may make.
    OrdersWrite,
    /// The event feed.
    EventsRead,
    /// Webhook subscriptions.
    WebhooksManage,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be one of: catalog:write, orders:read, orders:write, events:read, webhooks:manage")]
pub struct InvalidScope;

impl Scope {
    pub const ALL: [Scope; 5] =
        [Scope::CatalogWrite, Scope::OrdersRead, Scope::OrdersWrite, Scope::EventsRead, Scope::WebhooksManage];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogWrite => "catalog:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::EventsRead => "events:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl FromStr for Scope {
    type Err = InvalidScope;
    fn from_str(s: &str) -> Result<Self, InvalidScope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s).ok_or(InvalidScope)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes (a service key's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// In the order of [`Scope::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |scope| self.contains(*scope))
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        Scopes(scopes.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }
}

/// Why an actor may not do something whatever the resource: a service key
/// outside its scopes or on a user-account endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Denied {
    #[error("this API key lacks the scope {0}")]
    MissingScope(Scope),
    #[error("API keys cannot use user-account endpoints")]
    UserAccountsOnly,
}

/// The authenticated caller of a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// A user's id; for a service, its API key's id.
    pub user_id: UserId,
    /// A user's role; a service acts as an admin within its scopes.
    pub role: Role,
    /// `Some` for a service (its key's scopes), `None` for a user.
    pub service: Option<Scopes>,
}

/// Whom a verified access token names before the user is looked up: the
/// user, and the session generation the token was issued in
/// (`User::session_generation`). It is good only while that generation is
/// the user's current one, which whoever acts on it must check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub generation: i64,
}

impl Actor {
    /// A user acting by their role.
    pub fn user(user_id: UserId, role: Role) -> Self {
        Actor { user_id, role, service: None }
    }

    /// A service acting through the API key `key_id` with `scopes`.
    pub fn service(key_id: ulid::Ulid, scopes: Scopes) -> Self {
        Actor { user_id: UserId::from_ulid(key_id), role: Role::Admin, service: Some(scopes) }
    }

    pub fn is_service(&self) -> bool {
        self.service.is_some()
    }

    /// A user passes (their role decides later); a service only with `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Denied> {
        match self.service {
            Some(scopes) if !scopes.contains(scope) => Err(Denied::MissingScope(scope)),
            _ => Ok(()),
        }
    }

    /// Users, carts, API keys and placing orders are for user accounts only.
    pub fn require_user_account(&self) -> Result<(), Denied> {
        if self.is_service() {
            Err(Denied::UserAccountsOnly)
        } else {
            Ok(())
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Customers act on their own records only; admins on everyone's.
    pub fn may_act_for(&self, owner: UserId) -> bool {
        self.is_admin() || self.user_id == owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    fn actor(role: Role) -> Actor {
        Actor::user(UserId::from_ulid(Ulid::from_parts(1, 1)), role)
    }

    #[test]
    fn a_service_acts_within_its_scopes_only() {
        let service = Actor::service(Ulid::from_parts(3, 3), [Scope::OrdersRead].into_iter().collect());
        assert_eq!(service.require(Scope::OrdersRead), Ok(()));
        assert_eq!(service.require(Scope::CatalogWrite), Err(Denied::MissingScope(Scope::CatalogWrite)));
        assert_eq!(service.require_user_account(), Err(Denied::UserAccountsOnly));
    }

    #[test]
    fn a_user_is_never_refused_by_scope() {
        let admin = actor(Role::Admin);
        assert!(Scope::ALL.iter().all(|scope| admin.require(*scope).is_ok()));
        assert_eq!(admin.require_user_account(), Ok(()));
    }

    #[test]
    fn scopes_parse_from_their_names_only() {
        assert_eq!("events:read".parse::<Scope>(), Ok(Scope::EventsRead));
        assert_eq!("events:write".parse::<Scope>(), Err(InvalidScope));
        let set: Scopes = [Scope::WebhooksManage, Scope::CatalogWrite].into_iter().collect();
        assert_eq!(set.iter().collect::<Vec<_>>(), [Scope::CatalogWrite, Scope::WebhooksManage]);
    }

    #[test]
    fn a_customer_acts_only_for_themselves() {
        let me = actor(Role::Customer);
        assert!(me.may_act_for(me.user_id));
        assert!(!me.may_act_for(UserId::from_ulid(Ulid::from_parts(2, 2))));
    }

    #[test]
    fn an_admin_acts_for_anyone() {
        let admin = actor(Role::Admin);
        assert!(admin.may_act_for(UserId::from_ulid(Ulid::from_parts(2, 2))));
    }

    #[test]
    fn roles_parse_from_their_lowercase_names_only() {
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert_eq!("customer".parse::<Role>(), Ok(Role::Customer));
        assert_eq!("Admin".parse::<Role>(), Err(InvalidRole));
    }
}
