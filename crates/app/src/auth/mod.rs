//! Authentication use cases: logging in, turning a bearer token back into an
//! [`Actor`], and bootstrapping the first admin.

use std::sync::Arc;

use chrono::Duration;
use zonmart_domain::{Actor, NewUser, Password, Role, User, UserId, Username};
use zonmart_ports::{AccessClaims, Clock, IdGenerator, PasswordHasher, TokenIssuer, UserRepository};

use crate::AppError;

#[cfg(test)]
mod tests;

/// How long an access token lives.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);

/// What a successful login hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTokens {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Clone)]
pub struct AuthService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl AuthService {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { users, hasher, tokens, clock, ids }
    }

    /// Checks a username (or e-mail) and password. An unknown user, a wrong
    /// password and a disabled user all answer the same `Unauthorized`, after
    /// the same bcrypt work, so neither the answer nor its timing tells which.
    pub async fn login(&self, login: &str, password: &str) -> Result<LoginTokens, AppError> {
        let user = self.users.find_by_login(login).await?;
        let hash = match &user {
            Some(user) => user.password_hash.clone(),
            None => self.hasher.dummy_hash(),
        };
        let password_ok = self.hasher.verify(password, &hash).await?;
        match user {
            Some(user) if password_ok && !user.disabled => self.issue_for(&user),
            _ => Err(AppError::Unauthorized),
        }
    }

    fn issue_for(&self, user: &User) -> Result<LoginTokens, AppError> {
        let now = self.clock.now();
        let claims = AccessClaims {
            user_id: user.id,
            role: user.role,
            issued_at: now,
            expires_at: now + ACCESS_TOKEN_TTL,
            token_id: self.ids.generate(),
        };
        let access_token = self.tokens.issue(&claims)?;
        Ok(LoginTokens { access_token, expires_in: ACCESS_TOKEN_TTL.num_seconds() })
    }

    /// The actor behind a bearer token. The token must be valid now and its
    /// user must still exist and be enabled; the role is the user's current
    /// one, so a demotion takes effect at once.
    pub async fn authenticate(&self, bearer: &str) -> Result<Actor, AppError> {
        let claims = self.tokens.verify(bearer, self.clock.now())?;
        match self.users.find(claims.user_id).await? {
            Some(user) if !user.disabled => Ok(Actor { user_id: user.id, role: user.role }),
            _ => Err(AppError::Unauthorized),
        }
    }

    /// Creates the configured first admin unless a user of that name exists
    /// (an existing user is left as it is, its password is not reset).
    /// Returns whether it created one.
    pub async fn ensure_admin(&self, username: Username, password: Password) -> Result<bool, AppError> {
        if self.users.find_by_login(username.as_str()).await?.is_some() {
            return Ok(false);
        }
        let hash = self.hasher.hash(&password).await?;
        let new_user = NewUser { username, email: None, password, full_name: None, address: None };
        let admin = new_user.into_user(UserId::from_ulid(self.ids.generate()), Role::Admin, hash, self.clock.now());
        match self.users.insert(&admin).await {
            Ok(()) => {
                tracing::info!(user_id = %admin.id, username = %admin.username.as_str(), "first admin created");
                Ok(true)
            }
            // Another instance starting at the same moment created it first.
            Err(zonmart_ports::RepoError::Duplicate { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
