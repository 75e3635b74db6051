use std::sync::Arc;

use chrono::Duration;
use mockall::predicate::eq;
use zonmart_domain::{Password, PasswordHash, Role, User, Username};
use zonmart_ports::{
    AccessClaims, Consumed, MockRefreshTokenStore, MockSecretGenerator, MockTokenIssuer, MockUserRepository,
    RefreshToken, RepoError, TokenError,
};

use super::{AuthPorts, AuthService, ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL};
use crate::test_support::*;
use crate::AppError;

fn secrets() -> Arc<MockSecretGenerator> {
    let mut secrets = MockSecretGenerator::new();
    secrets.expect_secret().return_const("fresh-secret".to_string());
    Arc::new(secrets)
}

/// A refresh-token store that accepts new tokens.
fn accepting_store() -> MockRefreshTokenStore {
    let mut store = MockRefreshTokenStore::new();
    store.expect_insert().returning(|_, _| Ok(()));
    store
}

fn service_with(users: MockUserRepository, tokens: MockTokenIssuer, store: MockRefreshTokenStore) -> AuthService {
    AuthService::new(AuthPorts {
        users: Arc::new(users),
        hasher: Arc::new(fake_hasher()),
        tokens: Arc::new(tokens),
        refresh_tokens: Arc::new(store),
        secrets: secrets(),
        clock: clock_at(t0()),
        ids: ids_from(99),
        events: events(),
    })
}

fn service(users: MockUserRepository, tokens: MockTokenIssuer) -> AuthService {
    service_with(users, tokens, accepting_store())
}

/// A token issuer whose tokens are `token:<user id>` and that verifies them back.
fn echo_tokens() -> MockTokenIssuer {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_issue().returning(|c| Ok(format!("token:{}", c.user_id)));
    tokens
}

fn repo_finding(login: &'static str, user: Option<zonmart_domain::User>) -> MockUserRepository {
    let mut repo = MockUserRepository::new();
    repo.expect_find_by_login().with(eq(login)).returning(move |_| Ok(user.clone()));
    repo
}

#[tokio::test]
async fn the_right_password_gets_a_fifteen_minute_access_token() {
    let user = stored_user(1, Role::Customer);
    let mut tokens = MockTokenIssuer::new();
    tokens
        .expect_issue()
        .withf(|c| {
            c.user_id == user_id(1) && c.role == Role::Customer && c.expires_at - c.issued_at == ACCESS_TOKEN_TTL
        })
        .returning(|_| Ok("signed".into()));

    let mut store = MockRefreshTokenStore::new();
    store
        .expect_insert()
        .withf(|secret, t| {
            secret == "fresh-secret" && t.user_id == user_id(1) && t.expires_at == t0() + REFRESH_TOKEN_TTL
        })
        .times(1)
        .returning(|_, _| Ok(()));

    let issued =
        service_with(repo_finding("user1", Some(user)), tokens, store).login("user1", "correct horse").await.unwrap();

    assert_eq!(issued.access_token, "signed");
    assert_eq!(issued.expires_in, 900);
    assert_eq!(issued.refresh_token, "fresh-secret");
    assert_eq!(issued.refresh_expires_in, REFRESH_TOKEN_TTL.num_seconds());
}

#[tokio::test]
async fn a_wrong_password_is_unauthorized() {
    let user = stored_user(1, Role::Customer);
    let err = service(repo_finding("user1", Some(user)), echo_tokens()).login("user1", "wrong").await.unwrap_err();
    assert_eq!(err, AppError::Unauthorized);
}

#[tokio::test]
async fn an_unknown_user_is_unauthorized_after_verifying_a_dummy_hash() {
    let mut hasher = fake_hasher();
    hasher.checkpoint();
    hasher.expect_dummy_hash().times(1).returning(|| zonmart_domain::PasswordHash::new("dummy".into()));
    hasher.expect_verify().times(1).returning(|_, _| Ok(false));
    let service = AuthService::new(AuthPorts {
        users: Arc::new(repo_finding("ghost", None)),
        hasher: Arc::new(hasher),
        tokens: Arc::new(echo_tokens()),
        refresh_tokens: Arc::new(MockRefreshTokenStore::new()),
        secrets: secrets(),
        clock: clock_at(t0()),
        ids: ids_from(1),
        events: events(),
    });

    assert_eq!(service.login("ghost", "whatever1").await.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in_even_with_the_right_password() {
    let mut user = stored_user(1, Role::Customer);
    user.disabled = true;
    let err =
        service(repo_finding("user1", Some(user)), echo_tokens()).login("user1", "correct horse").await.unwrap_err();
    assert_eq!(err, AppError::Unauthorized);
}

fn claims_for(n: u64, role: Role) -> AccessClaims {
    AccessClaims {
        user_id: user_id(n),
        role,
        issued_at: t0(),
        expires_at: t0() + Duration::minutes(15),
        session_generation: 0,
        token_id: ulid::Ulid::from_parts(5, 5),
    }
}

#[tokio::test]
async fn a_valid_token_of_an_existing_user_authenticates_with_their_current_role() {
    let mut tokens = MockTokenIssuer::new();
    // The token still says customer; the user was promoted since.
    tokens.expect_verify().with(eq("tok"), eq(t0())).returning(|_, _| Ok(claims_for(1, Role::Customer)));
    let mut repo = MockUserRepository::new();
    repo.expect_find().with(eq(user_id(1))).returning(|_| Ok(Some(stored_user(1, Role::Admin))));

    let actor = service(repo, tokens).authenticate("tok").await.unwrap();

    assert_eq!(actor, admin(1));
}

#[tokio::test]
async fn the_current_user_is_the_one_look_up_authentication_makes() {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_verify().returning(|_, _| Ok(claims_for(1, Role::Customer)));
    let mut repo = MockUserRepository::new();
    repo.expect_find().with(eq(user_id(1))).times(1).returning(|_| Ok(Some(stored_user(1, Role::Customer))));

    let user = service(repo, tokens).current_user("tok").await.unwrap();

    assert_eq!(user, stored_user(1, Role::Customer));
}

#[tokio::test]
async fn an_expired_or_invalid_token_is_unauthorized() {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_verify().with(eq("old"), eq(t0())).returning(|_, _| Err(TokenError::Expired));
    tokens.expect_verify().with(eq("bad"), eq(t0())).returning(|_, _| Err(TokenError::Invalid));
    let service = service(MockUserRepository::new(), tokens);

    assert_eq!(service.authenticate("old").await.unwrap_err(), AppError::Unauthorized);
    assert_eq!(service.authenticate("bad").await.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn verifying_a_token_names_its_user_without_a_look_up() {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_verify().with(eq("tok"), eq(t0())).returning(|_, _| Ok(claims_for(1, Role::Customer)));
    tokens.expect_verify().with(eq("old"), eq(t0())).returning(|_, _| Err(TokenError::Expired));
    // No expectation on the repository: a look-up would fail the test.
    let service = service(MockUserRepository::new(), tokens);

    assert_eq!(service.verify_token("tok"), Ok(session(1)));
    assert_eq!(service.verify_token("old"), Err(AppError::Unauthorized));
}

#[tokio::test]
async fn a_token_of_a_deleted_or_disabled_user_is_unauthorized() {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_verify().returning(|t, _| Ok(claims_for(if t == "deleted" { 1 } else { 2 }, Role::Customer)));
    let mut repo = MockUserRepository::new();
    repo.expect_find().with(eq(user_id(1))).returning(|_| Ok(None));
    repo.expect_find().with(eq(user_id(2))).returning(|_| {
        let mut u = stored_user(2, Role::Customer);
        u.disabled = true;
        Ok(Some(u))
    });
    let service = service(repo, tokens);

    assert_eq!(service.authenticate("deleted").await.unwrap_err(), AppError::Unauthorized);
    assert_eq!(service.authenticate("disabled").await.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn an_access_token_of_an_ended_session_is_unauthorized() {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_verify().returning(|_, _| Ok(claims_for(1, Role::Customer)));
    let mut repo = MockUserRepository::new();
    // The password was changed since the token was issued.
    repo.expect_find().returning(|_| Ok(Some(User { session_generation: 1, ..stored_user(1, Role::Customer) })));

    assert_eq!(service(repo, tokens).authenticate("tok").await.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn a_login_with_a_hash_of_an_outdated_cost_replaces_it() {
    let mut repo = MockUserRepository::new();
    let old = User { password_hash: PasswordHash::new("old:correct horse".into()), ..stored_user(1, Role::Customer) };
    repo.expect_find_by_login().returning(move |_| Ok(Some(old.clone())));
    repo.expect_replace_password_hash()
        .withf(|id, current, replacement| {
            *id == user_id(1) && current.as_str() == "old:correct horse" && replacement.as_str() == "hash:correct horse"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mut refresh = MockRefreshTokenStore::new();
    refresh.expect_insert().returning(|_, _| Ok(()));
    let service = AuthService::new(AuthPorts {
        users: Arc::new(repo),
        hasher: Arc::new(fake_hasher()),
        tokens: Arc::new(echo_tokens()),
        refresh_tokens: Arc::new(refresh),
        secrets: secrets(),
        clock: clock_at(t0()),
        ids: ids_from(1),
        events: events(),
    });

    assert!(service.login("user1", "correct horse").await.is_ok());
}

#[tokio::test]
async fn a_login_holding_nul_names_nobody_and_is_not_looked_up() {
    let mut hasher = fake_hasher();
    hasher.checkpoint();
    hasher.expect_dummy_hash().returning(|| PasswordHash::new("dummy".into()));
    hasher.expect_verify().times(1).returning(|_, _| Ok(false));
    // No expectation on the repository: a look-up would fail the test.
    let service = AuthService::new(AuthPorts {
        users: Arc::new(MockUserRepository::new()),
        hasher: Arc::new(hasher),
        tokens: Arc::new(echo_tokens()),
        refresh_tokens: Arc::new(MockRefreshTokenStore::new()),
        secrets: secrets(),
        clock: clock_at(t0()),
        ids: ids_from(1),
        events: events(),
    });

    assert_eq!(service.login("a\0b", "whatever1").await.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn the_first_admin_is_created_once() {
    let mut repo = MockUserRepository::new();
    repo.expect_find_by_login().with(eq("root")).returning(|_| Ok(None));
    repo.expect_insert()
        .withf(|u, _| u.role == Role::Admin && u.username.as_str() == "root")
        .times(1)
        .returning(|_, _| Ok(()));

    let created = service(repo, echo_tokens())
        .ensure_admin(Username::parse("root").unwrap(), Password::parse("admin password").unwrap())
        .await
        .unwrap();

    assert!(created);
}

#[tokio::test]
async fn an_existing_user_of_the_admin_name_is_left_alone() {
    let mut repo = MockUserRepository::new();
    repo.expect_find_by_login().returning(|_| Ok(Some(stored_user(1, Role::Customer))));
    repo.expect_insert().times(0);
    repo.expect_update().times(0);

    let created = service(repo, echo_tokens())
        .ensure_admin(Username::parse("user1").unwrap(), Password::parse("admin password").unwrap())
        .await
        .unwrap();

    assert!(!created);
}

#[tokio::test]
async fn losing_the_first_admin_race_to_another_instance_is_fine() {
    let mut repo = MockUserRepository::new();
    repo.expect_find_by_login().returning(|_| Ok(None));
    repo.expect_insert().returning(|_, _| Err(RepoError::Duplicate { field: "username".into() }));

    let created = service(repo, echo_tokens())
        .ensure_admin(Username::parse("root").unwrap(), Password::parse("admin password").unwrap())
        .await
        .unwrap();

    assert!(!created);
}

fn stored_refresh(family: u64) -> RefreshToken {
    RefreshToken {
        id: ulid::Ulid::from_parts(1, 1),
        family_id: ulid::Ulid::from_parts(family, 0),
        user_id: user_id(1),
        session_generation: 0,
        created_at: t0() - Duration::days(1),
        expires_at: t0() + Duration::days(13),
    }
}

fn users_with_user1(disabled: bool) -> MockUserRepository {
    let mut repo = MockUserRepository::new();
    repo.expect_find().with(eq(user_id(1))).returning(move |_| {
        let mut u = stored_user(1, Role::Customer);
        u.disabled = disabled;
        Ok(Some(u))
    });
    repo
}

#[tokio::test]
async fn a_live_refresh_token_is_rotated_within_its_family() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_consume().with(eq("old"), eq(t0())).returning(|_, _| Ok(Consumed::Live(stored_refresh(42))));
    store
        .expect_insert()
        .withf(|secret, t| secret == "fresh-secret" && t.family_id == ulid::Ulid::from_parts(42, 0))
        .times(1)
        .returning(|_, _| Ok(()));
    store.expect_revoke_family().times(0);

    let pair = service_with(users_with_user1(false), echo_tokens(), store).refresh("old").await.unwrap();

    assert_eq!(pair.refresh_token, "fresh-secret");
    assert_eq!(pair.access_token, format!("token:{}", user_id(1)));
}

#[tokio::test]
async fn a_refresh_token_of_an_ended_session_is_refused_and_its_family_revoked() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_consume().returning(|_, _| Ok(Consumed::Live(stored_refresh(42))));
    store.expect_revoke_family().with(eq(ulid::Ulid::from_parts(42, 0)), eq(t0())).times(1).returning(|_, _| Ok(()));
    store.expect_insert().times(0);
    let mut repo = MockUserRepository::new();
    // Disabled and enabled again since: the old session stays ended.
    repo.expect_find().returning(|_| Ok(Some(User { session_generation: 1, ..stored_user(1, Role::Customer) })));

    let err = service_with(repo, echo_tokens(), store).refresh("old").await.unwrap_err();
    assert_eq!(err, AppError::Unauthorized);
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_consume().returning(|_, _| Ok(Consumed::Spent(stored_refresh(42))));
    store.expect_revoke_family().with(eq(ulid::Ulid::from_parts(42, 0)), eq(t0())).times(1).returning(|_, _| Ok(()));
    store.expect_insert().times(0);

    let err = service_with(users_with_user1(false), echo_tokens(), store).refresh("used").await.unwrap_err();

    assert_eq!(err, AppError::Unauthorized);
}

#[tokio::test]
async fn an_expired_or_unknown_refresh_token_is_unauthorized() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_consume().with(eq("expired"), eq(t0())).returning(|_, _| Ok(Consumed::Expired));
    store.expect_consume().with(eq("unknown"), eq(t0())).returning(|_, _| Ok(Consumed::Unknown));
    store.expect_insert().times(0);
    let service = service_with(MockUserRepository::new(), echo_tokens(), store);

    assert_eq!(service.refresh("expired").await.unwrap_err(), AppError::Unauthorized);
    assert_eq!(service.refresh("unknown").await.unwrap_err(), AppError::Unauthorized);
}

#[tokio::test]
async fn a_disabled_user_cannot_refresh_and_the_family_is_revoked() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_consume().returning(|_, _| Ok(Consumed::Live(stored_refresh(7))));
    store.expect_revoke_family().times(1).returning(|_, _| Ok(()));
    store.expect_insert().times(0);

    let err = service_with(users_with_user1(true), echo_tokens(), store).refresh("live").await.unwrap_err();

    assert_eq!(err, AppError::Unauthorized);
}

#[tokio::test]
async fn logout_revokes_the_family_of_a_known_token() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_find().with(eq("mine")).returning(|_| Ok(Some(stored_refresh(9))));
    store.expect_revoke_family().with(eq(ulid::Ulid::from_parts(9, 0)), eq(t0())).times(1).returning(|_, _| Ok(()));

    assert!(service_with(MockUserRepository::new(), echo_tokens(), store).logout("mine").await.is_ok());
}

#[tokio::test]
async fn logout_with_an_unknown_token_is_unauthorized() {
    let mut store = MockRefreshTokenStore::new();
    store.expect_find().returning(|_| Ok(None));
    store.expect_revoke_family().times(0);

    let err = service_with(MockUserRepository::new(), echo_tokens(), store).logout("nope").await.unwrap_err();

    assert_eq!(err, AppError::Unauthorized);
}
