//! Users: their value objects (each valid by construction) and the rules of
//! changing one.

use std::fmt;
use std::ops::RangeInclusive;

use thiserror::Error;

use crate::actor::Role;
use crate::ids::UserId;
use crate::text::{TextError, TextRule};
use crate::version::Version;
use crate::Timestamp;

/// A login name: 3..=50 characters of `[A-Za-z0-9_.-]`, unique regardless of
/// case. Keeps the spelling its owner chose.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidUsername {
    #[error("must be 3 to 50 characters long")]
    Length,
    #[error("may contain only letters, digits, '_', '.' and '-'")]
    Alphabet,
}

impl Username {
    /// Characters, each a letter, a digit, `_`, `.` or `-`.
    pub const LENGTH: RangeInclusive<usize> = 3..=50;

    pub fn parse(s: &str) -> Result<Self, InvalidUsername> {
        if !Self::LENGTH.contains(&s.chars().count()) {
            return Err(InvalidUsername::Length);
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err(InvalidUsername::Alphabet);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is judged on.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// An e-mail address, stored lower-cased so that uniqueness and login ignore
/// case. Checked for shape only: one `@`, a local part, a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be an e-mail address such as name@example.com")]
pub struct InvalidEmail;

impl Email {
    /// Characters in all.
    pub const MAX_LENGTH: usize = 254;

    pub fn parse(s: &str) -> Result<Self, InvalidEmail> {
        // Lengths in characters, as the OpenAPI document states them.
        let chars = |part: &str| part.chars().count();
        if chars(s) > Self::MAX_LENGTH || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidEmail);
        }
        let (local, domain) = s.split_once('@').ok_or(InvalidEmail)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty() && chars(label) <= 63);
        if local.is_empty() || chars(local) > 64 || !domain_ok {
            return Err(InvalidEmail);
        }
        Ok(Self(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name for display: 1..=200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub const RULE: TextRule = TextRule::line(1, 200);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address: 1..=500 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address(String);

impl Address {
    pub const RULE: TextRule = TextRule::lines(1, 500);

    pub fn parse(s: &str) -> Result<Self, TextError> {
        Self::RULE.check(s).map(|()| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password in clear text: 8..=128 characters, no U+0000. Never
/// printed, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidPassword {
    #[error("must be 8 to 128 characters long")]
    Length,
    #[error("must not contain U+0000")]
    Nul,
}

impl Password {
    /// Characters.
    pub const LENGTH: RangeInclusive<usize> = 8..=128;

    pub fn parse(s: &str) -> Result<Self, InvalidPassword> {
        if s.contains('\0') {
            return Err(InvalidPassword::Nul);
        }
        if !Self::LENGTH.contains(&s.chars().count()) {
            return Err(InvalidPassword::Length);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A password hash as the hasher wrote it. Never leaves the server.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn new(encoded: String) -> Self {
        Self(encoded)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub email: Option<Email>,
    pub full_name: Option<FullName>,
    pub address: Option<Address>,
    pub role: Role,
    pub disabled: bool,
    pub password_hash: PasswordHash,
    /// Which of the user's sessions are alive: every access and refresh
    /// token carries the generation it was issued in, and only tokens of the
    /// current one are accepted. A password change and a disable move it on
    /// ([`User::apply`]), which ends every session at once; re-enabling does
    /// not move it back.
    pub session_generation: i64,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What registering (or an admin's create) supplies for a new user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: Username,
    pub email: Option<Email>,
    pub password: Password,
    pub full_name: Option<FullName>,
    pub address: Option<Address>,
}

impl NewUser {
    /// The stored user this becomes, at version 1, with the role the use
    /// case decided (self-registration is always `Customer`).
    pub fn into_user(self, id: UserId, role: Role, password_hash: PasswordHash, now: Timestamp) -> User {
        User {
            id,
            username: self.username,
            email: self.email,
            full_name: self.full_name,
            address: self.address,
            role,
            disabled: false,
            password_hash,
            session_generation: 0,
            version: Version::INITIAL,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A partial update. `None` leaves a field alone; for the optional fields,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub username: Option<Username>,
    pub email: Option<Option<Email>>,
    pub full_name: Option<Option<FullName>>,
    pub address: Option<Option<Address>>,
    pub password: Option<Password>,
    /// The caller's current password, required when a customer changes theirs.
    pub current_password: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

impl UserChanges {
    /// Whether the change touches what only an admin may set.
    pub fn touches_privileges(&self) -> bool {
        self.role.is_some() || self.disabled.is_some()
    }
}

impl User {
    /// Whether a change ends every session of this user (API.md): a new
    /// password (its hash) or a disable does.
    pub fn ends_sessions(&self, changes: &UserChanges, new_hash: Option<&PasswordHash>) -> bool {
        new_hash.is_some() || (changes.disabled == Some(true) && !self.disabled)
    }
}

impl User {
    /// The user after `changes` (the password already hashed by the caller),
    /// one version later.
    pub fn apply(&self, changes: UserChanges, new_hash: Option<PasswordHash>, now: Timestamp) -> User {
        let session_generation = self.session_generation + i64::from(self.ends_sessions(&changes, new_hash.as_ref()));
        User {
            id: self.id,
            username: changes.username.unwrap_or_else(|| self.username.clone()),
            email: changes.email.unwrap_or_else(|| self.email.clone()),
            full_name: changes.full_name.unwrap_or_else(|| self.full_name.clone()),
            address: changes.address.unwrap_or_else(|| self.address.clone()),
            role: changes.role.unwrap_or(self.role),
            disabled: changes.disabled.unwrap_or(self.disabled),
            password_hash: new_hash.unwrap_or_else(|| self.password_hash.clone()),
            session_generation,
            version: self.version.next(),
            created_at: self.created_at,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use ulid::Ulid;

    #[test]
    fn usernames_take_three_to_fifty_safe_characters() {
        assert!(Username::parse("al.ice_-9").is_ok());
        assert_eq!(Username::parse("al"), Err(InvalidUsername::Length));
        assert_eq!(Username::parse(&"a".repeat(51)), Err(InvalidUsername::Length));
        assert_eq!(Username::parse("al ice"), Err(InvalidUsername::Alphabet));
        assert_eq!(Username::parse("ålice"), Err(InvalidUsername::Alphabet));
    }

    #[test]
    fn usernames_keep_their_case_but_compare_without_it() {
        let u = Username::parse("Alice").unwrap();
        assert_eq!(u.as_str(), "Alice");
        assert_eq!(u.key(), Username::parse("aLICE").unwrap().key());
    }

    #[test]
    fn emails_are_lowercased_and_checked_for_shape() {
        assert_eq!(Email::parse("Alice@Example.COM").unwrap().as_str(), "alice@example.com");
        for bad in ["alice", "@example.com", "alice@", "alice@example", "a b@example.com", "a@b@c.com", "a@.com"] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad}");
        }
    }

    #[test]
    fn passwords_take_eight_to_128_characters_without_nul() {
        assert!(Password::parse("12345678").is_ok());
        assert_eq!(Password::parse("1234567"), Err(InvalidPassword::Length));
        assert_eq!(Password::parse(&"x".repeat(129)), Err(InvalidPassword::Length));
        assert_eq!(Password::parse("12345678\0"), Err(InvalidPassword::Nul));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let p = Password::parse("hunter2hunter2").unwrap();
        let h = PasswordHash::new("$2b$12$secret".into());
        assert!(!format!("{p:?}{h:?}").contains("hunter2"));
        assert!(!format!("{h:?}").contains("secret"));
    }

    fn sample_user() -> User {
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        NewUser {
            username: Username::parse("alice").unwrap(),
            email: Some(Email::parse("alice@example.com").unwrap()),
            password: Password::parse("correct horse").unwrap(),
            full_name: None,
            address: Some(Address::parse("1 Main St").unwrap()),
        }
        .into_user(
            UserId::from_ulid(Ulid::from_parts(1, 1)),
            Role::Customer,
            PasswordHash::new("h".into()),
            t0,
        )
    }

    #[test]
    fn a_new_user_starts_at_version_one_enabled() {
        let user = sample_user();
        assert_eq!(user.version, Version::INITIAL);
        assert!(!user.disabled);
        assert_eq!(user.created_at, user.updated_at);
    }

    #[test]
    fn applying_changes_bumps_the_version_and_keeps_untouched_fields() {
        let user = sample_user();
        let later = user.created_at + chrono::Duration::seconds(5);
        let changes = UserChanges {
            full_name: Some(Some(FullName::parse("Alice A").unwrap())),
            address: Some(None),
            ..Default::default()
        };
        let changed = user.apply(changes, None, later);
        assert_eq!(changed.version.get(), 2);
        assert_eq!(changed.full_name.as_ref().map(|n| n.as_str()), Some("Alice A"));
        assert_eq!(changed.address, None, "Some(None) clears");
        assert_eq!(changed.email, user.email, "absent fields stay");
        assert_eq!(changed.updated_at, later);
        assert_eq!(changed.created_at, user.created_at);
    }

    #[test]
    fn a_password_change_or_a_disable_ends_every_session_and_re_enabling_does_not_revive_them() {
        let user = sample_user();
        let now = user.created_at;
        let renamed = user.apply(UserChanges { full_name: Some(None), ..Default::default() }, None, now);
        assert_eq!(renamed.session_generation, user.session_generation, "a plain edit keeps sessions");
        let new_password =
            UserChanges { password: Some(Password::parse("another secret").unwrap()), ..Default::default() };
        let changed = user.apply(new_password, Some(PasswordHash::new("h2".into())), now);
        assert_eq!(changed.session_generation, user.session_generation + 1);
        let disabled = user.apply(UserChanges { disabled: Some(true), ..Default::default() }, None, now);
        assert_eq!(disabled.session_generation, user.session_generation + 1);
        let enabled = disabled.apply(UserChanges { disabled: Some(false), ..Default::default() }, None, now);
        assert_eq!(enabled.session_generation, disabled.session_generation, "re-enabling revives nothing");
        let again = disabled.apply(UserChanges { disabled: Some(true), ..Default::default() }, None, now);
        assert_eq!(again.session_generation, disabled.session_generation, "already disabled");
    }

    #[test]
    fn role_and_disabled_are_privileged_changes() {
        assert!(!UserChanges::default().touches_privileges());
        assert!(UserChanges { role: Some(Role::Admin), ..Default::default() }.touches_privileges());
        assert!(UserChanges { disabled: Some(false), ..Default::default() }.touches_privileges());
    }
}
