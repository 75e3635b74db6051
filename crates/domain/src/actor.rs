//! Who is acting, and what their role lets them do. Use cases decide
//! authorization with these rules; handlers never do.

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

/// The authenticated caller of a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
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
        Actor { user_id: UserId::from_ulid(Ulid::from_parts(1, 1)), role }
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
