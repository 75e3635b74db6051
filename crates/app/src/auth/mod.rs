//! Authentication use cases: logging in, rotating refresh tokens (with reuse
//! detection), logging out, turning a bearer token back into an [`Actor`],
//! and bootstrapping the first admin.

use std::sync::Arc;

use chrono::Duration;
use ulid::Ulid;
use zonmart_domain::{Actor, EventType, NewUser, Password, Role, Session, User, UserId, Username};
use zonmart_ports::{
    AccessClaims, Clock, Consumed, IdGenerator, PasswordHasher, RefreshToken, RefreshTokenStore, SecretGenerator,
    TokenIssuer, UserRepository,
};

use crate::{AppError, EventComposer};

#[cfg(test)]
mod tests;

/// How long an access token lives.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);

/// How long a refresh token lives (each refresh hands out a new one).
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(14);

/// What a successful login or refresh hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTokens {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

/// The ports authentication needs.
#[derive(Clone)]
pub struct AuthPorts {
    pub users: Arc<dyn UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn TokenIssuer>,
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    pub secrets: Arc<dyn SecretGenerator>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    /// For the first admin's `user.registered`.
    pub events: EventComposer,
}

#[derive(Clone)]
pub struct AuthService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    refresh_tokens: Arc<dyn RefreshTokenStore>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    events: EventComposer,
}

impl AuthService {
    pub fn new(ports: AuthPorts) -> Self {
        let AuthPorts { users, hasher, tokens, refresh_tokens, secrets, clock, ids, events } = ports;
        Self { users, hasher, tokens, refresh_tokens, secrets, clock, ids, events }
    }

    /// Checks a username (or e-mail) and password. An unknown user, a wrong
    /// password and a disabled user all answer the same `Unauthorized`, after
    /// the same bcrypt work (the hasher pads a hash of a cheaper cost), so
    /// neither the answer nor its timing tells which. A hash of another cost
    /// or an older scheme is replaced on a successful login.
    pub async fn login(&self, login: &str, password: &str) -> Result<LoginTokens, AppError> {
        // A login holding U+0000 names nobody (and the database could not
        // even compare it): the same answer, after the same work.
        let user = if login.contains('\0') { None } else { self.users.find_by_login(login).await? };
        let hash = match &user {
            Some(user) => user.password_hash.clone(),
            None => self.hasher.dummy_hash(),
        };
        let password_ok = self.hasher.verify(password, &hash).await?;
        match user {
            Some(user) if password_ok && !user.disabled => {
                self.rehash_if_outdated(&user, password).await;
                // A login starts a new refresh-token family.
                self.issue_for(&user, self.ids.generate()).await
            }
            _ => Err(AppError::Unauthorized),
        }
    }

    /// Stores a hash at the configured cost and scheme for a user whose
    /// stored one is not. Best effort: the login succeeds either way.
    async fn rehash_if_outdated(&self, user: &User, password: &str) {
        if !self.hasher.needs_rehash(&user.password_hash) {
            return;
        }
        let Ok(password) = Password::parse(password) else { return };
        let outcome = match self.hasher.hash(&password).await {
            Ok(hash) => {
                self.users.replace_password_hash(user.id, &user.password_hash, &hash).await.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(()) => tracing::info!(user_id = %user.id, "password hash upgraded to the configured cost"),
            Err(e) => tracing::warn!(user_id = %user.id, error = %e, "could not upgrade a password hash"),
        }
    }

    /// A new access token and a new refresh token in `family_id`.
    async fn issue_for(&self, user: &User, family_id: Ulid) -> Result<LoginTokens, AppError> {
        let now = self.clock.now();
        let claims = AccessClaims {
            user_id: user.id,
            role: user.role,
            issued_at: now,
            expires_at: now + ACCESS_TOKEN_TTL,
            session_generation: user.session_generation,
            token_id: self.ids.generate(),
        };
        let access_token = self.tokens.issue(&claims)?;
        let refresh_token = self.secrets.secret();
        let record = RefreshToken {
            id: self.ids.generate(),
            family_id,
            user_id: user.id,
            session_generation: user.session_generation,
            created_at: now,
            expires_at: now + REFRESH_TOKEN_TTL,
        };
        self.refresh_tokens.insert(&refresh_token, &record).await?;
        Ok(LoginTokens {
            access_token,
            expires_in: ACCESS_TOKEN_TTL.num_seconds(),
            refresh_token,
            refresh_expires_in: REFRESH_TOKEN_TTL.num_seconds(),
        })
    }

    /// Trades a live refresh token for a new pair; the old one is used up.
    /// Presenting a used or revoked one is treated as theft: its whole
    /// family is revoked, so the thief's and the victim's tokens both die.
    pub async fn refresh(&self, secret: &str) -> Result<LoginTokens, AppError> {
        let now = self.clock.now();
        match self.refresh_tokens.consume(secret, now).await? {
            Consumed::Live(token) => match self.users.find(token.user_id).await? {
                Some(user) if !user.disabled && user.session_generation == token.session_generation => {
                    self.issue_for(&user, token.family_id).await
                }
                _ => {
                    self.refresh_tokens.revoke_family(token.family_id, now).await?;
                    Err(AppError::Unauthorized)
                }
            },
            Consumed::Spent(token) => {
                tracing::warn!(user_id = %token.user_id, family = %token.family_id, "refresh token reused: family revoked");
                self.refresh_tokens.revoke_family(token.family_id, now).await?;
                Err(AppError::Unauthorized)
            }
            Consumed::Expired | Consumed::Unknown => Err(AppError::Unauthorized),
        }
    }

    /// Revokes the family of a refresh token: the refresh token is the
    /// credential. An unknown one is `Unauthorized`.
    pub async fn logout(&self, secret: &str) -> Result<(), AppError> {
        let token = self.refresh_tokens.find(secret).await?.ok_or(AppError::Unauthorized)?;
        self.refresh_tokens.revoke_family(token.family_id, self.clock.now()).await?;
        Ok(())
    }

    /// Deletes expired refresh tokens; returns how many.
    pub async fn purge_expired_tokens(&self) -> Result<u64, AppError> {
        Ok(self.refresh_tokens.purge_expired(self.clock.now()).await?)
    }

    /// The actor behind a bearer token. The token must be valid now, its
    /// user must still exist and be enabled, and its session must not have
    /// been ended since (a password change, a disable); the role is the
    /// user's current one, so a demotion takes effect at once.
    pub async fn authenticate(&self, bearer: &str) -> Result<Actor, AppError> {
        let user = self.current_user(bearer).await?;
        Ok(Actor::user(user.id, user.role))
    }

    /// The user behind a bearer token, checked as [`AuthService::authenticate`]
    /// checks it, with that one look-up (`GET /users/me` needs nothing more).
    pub async fn current_user(&self, bearer: &str) -> Result<User, AppError> {
        let claims = self.tokens.verify(bearer, self.clock.now())?;
        match self.users.find(claims.user_id).await? {
            Some(user) if !user.disabled && user.session_generation == claims.session_generation => Ok(user),
            _ => Err(AppError::Unauthorized),
        }
    }

    /// The user a bearer token names, if it is valid now (signature and
    /// expiry), without looking the user up. Only for a use case that checks
    /// the user exists and is enabled itself, inside its own transaction
    /// (placing an order does, saving the look-up's round trip); anything
    /// else authorizes with [`AuthService::authenticate`].
    pub fn verify_token(&self, bearer: &str) -> Result<Session, AppError> {
        let claims = self.tokens.verify(bearer, self.clock.now())?;
        Ok(Session { user_id: claims.user_id, generation: claims.session_generation })
    }

    /// As [`AuthService::verify_token`], for per-request bookkeeping such as
    /// rate limits, never authorization.
    pub fn verified_subject(&self, bearer: &str) -> Option<UserId> {
        self.verify_token(bearer).ok().map(|session| session.user_id)
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
        let now = self.clock.now();
        let admin = new_user.into_user(UserId::from_ulid(self.ids.generate()), Role::Admin, hash, now);
        match self.users.insert(&admin, &self.events.user(EventType::UserRegistered, &admin, now)).await {
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
