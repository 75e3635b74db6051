//! User use cases: registration, admin creation, reading, listing, versioned
//! update and deletion, with the authorization rules for each.

use std::sync::Arc;

use zonmart_domain::{Actor, EventType, NewUser, Page, PageRequest, Role, User, UserChanges, UserId, Version};
use zonmart_ports::{Clock, IdGenerator, PasswordHasher, UserFilter, UserRepository};

use crate::{AppError, EventComposer};

#[cfg(test)]
mod tests;

/// Orchestrates the user ports. Cheap to clone.
#[derive(Clone)]
pub struct UserService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    events: EventComposer,
}

impl UserService {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        events: EventComposer,
    ) -> Self {
        Self { users, hasher, clock, ids, events }
    }

    /// Self-registration: anyone may, and always becomes a customer.
    pub async fn register(&self, new_user: NewUser) -> Result<User, AppError> {
        self.store_new(new_user, Role::Customer).await
    }

    /// An admin creates a user with any role (admins can create admins).
    pub async fn create(&self, actor: &Actor, new_user: NewUser, role: Role) -> Result<User, AppError> {
        actor.require_user_account()?;
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only an admin may create users".into()));
        }
        self.store_new(new_user, role).await
    }

    async fn store_new(&self, new_user: NewUser, role: Role) -> Result<User, AppError> {
        let hash = self.hasher.hash(&new_user.password).await?;
        let id = UserId::from_ulid(self.ids.generate());
        let now = self.clock.now();
        let user = new_user.into_user(id, role, hash, now);
        self.users.insert(&user, &self.events.user(EventType::UserRegistered, &user, now)).await?;
        tracing::info!(user_id = %user.id, role = %user.role, "user created");
        Ok(user)
    }

    /// A user the caller may see: themselves, or anyone for an admin. Another
    /// customer's record is `NotFound`, so ids cannot be probed.
    pub async fn get(&self, actor: &Actor, id: UserId) -> Result<User, AppError> {
        actor.require_user_account()?;
        if !actor.may_act_for(id) {
            return Err(AppError::NotFound);
        }
        self.users.find(id).await?.ok_or(AppError::NotFound)
    }

    /// All users, newest first: admins only.
    pub async fn list(&self, actor: &Actor, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, AppError> {
        actor.require_user_account()?;
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only an admin may list users".into()));
        }
        Ok(self.users.list(filter, page).await?)
    }

    /// A versioned partial update. Customers may change their own profile and
    /// password (proving the current one); only admins change `role` and
    /// `disabled`, or set a password without the current one.
    pub async fn update(
        &self,
        actor: &Actor,
        id: UserId,
        expected: Version,
        mut changes: UserChanges,
    ) -> Result<User, AppError> {
        let current = self.get(actor, id).await?;
        if changes.touches_privileges() && !actor.is_admin() {
            return Err(AppError::Forbidden("only an admin may change role or disabled".into()));
        }
        // An admin disabling or demoting themselves could leave the shop with
        // no admin at all; another admin must do it.
        let demotes_self =
            changes.disabled == Some(true) || changes.role.is_some_and(|r| r != zonmart_domain::Role::Admin);
        if actor.user_id == id && actor.is_admin() && demotes_self {
            return Err(AppError::Forbidden("an admin cannot disable or demote themselves; ask another admin".into()));
        }
        Version::check(expected, current.version)?;

        let new_hash = match changes.password.take() {
            None => None,
            Some(password) => {
                if !actor.is_admin() {
                    self.prove_current_password(&current, changes.current_password.as_deref()).await?;
                }
                Some(self.hasher.hash(&password).await?)
            }
        };
        let updated = current.apply(changes, new_hash, self.clock.now());
        self.users.update(&updated, expected).await?;
        Ok(updated)
    }

    async fn prove_current_password(&self, user: &User, given: Option<&str>) -> Result<(), AppError> {
        let given =
            given.ok_or_else(|| AppError::validation("current_password", "is required to change the password"))?;
        if self.hasher.verify(given, &user.password_hash).await? {
            Ok(())
        } else {
            Err(AppError::Forbidden("current_password is wrong".into()))
        }
    }

    /// Deletes a user (self or admin). `expected` is the version the caller
    /// read; `None` deletes unconditionally (only the seed-compatible path
    /// does that). The user can no longer log in; their orders stay.
    pub async fn delete(&self, actor: &Actor, id: UserId, expected: Option<Version>) -> Result<(), AppError> {
        let current = self.get(actor, id).await?;
        if let Some(expected) = expected {
            Version::check(expected, current.version)?;
        }
        self.users.delete(id, expected, self.clock.now()).await?;
        tracing::info!(user_id = %id, by = %actor.user_id, "user deleted");
        Ok(())
    }
}
