use std::sync::Arc;

use mockall::predicate::eq;
use zonmart_domain::{FullName, Password, Role, UserChanges, Version};
use zonmart_ports::{MockUserRepository, RepoError, UserFilter};

use super::UserService;
use crate::test_support::*;
use crate::AppError;

fn service(users: MockUserRepository) -> UserService {
    UserService::new(Arc::new(users), Arc::new(fake_hasher()), clock_at(t0()), ids_from(7), events())
}

fn v(n: i64) -> Version {
    Version::new(n).unwrap()
}

/// A repository holding exactly `user`.
fn repo_with(user: zonmart_domain::User) -> MockUserRepository {
    let mut repo = MockUserRepository::new();
    let id = user.id;
    repo.expect_find().with(eq(id)).returning(move |_| Ok(Some(user.clone())));
    repo
}

#[tokio::test]
async fn register_stores_a_customer_at_version_one_with_a_hashed_password() {
    let mut repo = MockUserRepository::new();
    repo.expect_insert()
        .withf(|u, _| {
            u.id == user_id(7)
                && u.role == Role::Customer
                && u.version == Version::INITIAL
                && u.password_hash.as_str() == "hash:correct horse"
                && u.created_at == t0()
        })
        .times(1)
        .returning(|_, _| Ok(()));

    let user = service(repo).register(new_user("alice")).await.unwrap();

    assert_eq!(user.username.as_str(), "alice");
    assert_eq!(user.role, Role::Customer);
}

#[tokio::test]
async fn register_reports_a_taken_username_as_duplicate() {
    let mut repo = MockUserRepository::new();
    repo.expect_insert().returning(|_, _| Err(RepoError::Duplicate { field: "username".into() }));

    let err = service(repo).register(new_user("alice")).await.unwrap_err();

    assert_eq!(err, AppError::Duplicate { field: "username".into() });
}

#[tokio::test]
async fn register_reports_an_unreachable_store_as_unavailable() {
    let mut repo = MockUserRepository::new();
    repo.expect_insert().returning(|_, _| Err(RepoError::Unavailable("connection refused".into())));

    let err = service(repo).register(new_user("alice")).await.unwrap_err();

    assert_eq!(err, AppError::Unavailable);
}

#[tokio::test]
async fn an_admin_creates_users_of_any_role() {
    let mut repo = MockUserRepository::new();
    repo.expect_insert().withf(|u, _| u.role == Role::Admin).times(1).returning(|_, _| Ok(()));

    let user = service(repo).create(&admin(1), new_user("boss"), Role::Admin).await.unwrap();

    assert_eq!(user.role, Role::Admin);
}

#[tokio::test]
async fn a_customer_cannot_create_users_and_nothing_is_stored() {
    let mut repo = MockUserRepository::new();
    repo.expect_insert().times(0);

    let err = service(repo).create(&customer(1), new_user("boss"), Role::Admin).await.unwrap_err();

    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn a_customer_reads_their_own_user() {
    let me = stored_user(1, Role::Customer);
    let user = service(repo_with(me.clone())).get(&customer(1), me.id).await.unwrap();
    assert_eq!(user, me);
}

#[tokio::test]
async fn another_customers_user_is_not_found_without_asking_the_store() {
    let mut repo = MockUserRepository::new();
    repo.expect_find().times(0);

    let err = service(repo).get(&customer(1), user_id(2)).await.unwrap_err();

    assert_eq!(err, AppError::NotFound);
}

#[tokio::test]
async fn an_admin_reads_anyone_and_an_unknown_id_is_not_found() {
    let other = stored_user(2, Role::Customer);
    let mut repo = repo_with(other.clone());
    repo.expect_find().with(eq(user_id(3))).returning(|_| Ok(None));
    let service = service(repo);

    assert_eq!(service.get(&admin(1), other.id).await.unwrap(), other);
    assert_eq!(service.get(&admin(1), user_id(3)).await.unwrap_err(), AppError::NotFound);
}

#[tokio::test]
async fn only_admins_list_users() {
    let mut repo = MockUserRepository::new();
    repo.expect_list().times(1).returning(|_, _| Ok(zonmart_domain::Page { items: vec![], next: None }));
    let service = service(repo);

    assert!(service.list(&admin(1), &UserFilter::default(), Default::default()).await.is_ok());
    let err = service.list(&customer(2), &UserFilter::default(), Default::default()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn an_update_at_the_current_version_writes_the_next_version() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_update()
        .withf(|u, expected| u.version == Version::new(2).unwrap() && *expected == Version::INITIAL)
        .times(1)
        .returning(|_, _| Ok(()));
    let changes = UserChanges { full_name: Some(Some(FullName::parse("Alice").unwrap())), ..Default::default() };

    let updated = service(repo).update(&customer(1), me.id, v(1), changes).await.unwrap();

    assert_eq!(updated.version, v(2));
    assert_eq!(updated.full_name.unwrap().as_str(), "Alice");
}

#[tokio::test]
async fn a_stale_version_is_refused_before_writing() {
    let mut me = stored_user(1, Role::Customer);
    me.version = v(3);
    let mut repo = repo_with(me.clone());
    repo.expect_update().times(0);

    let err = service(repo).update(&customer(1), me.id, v(2), UserChanges::default()).await.unwrap_err();

    assert_eq!(err, AppError::VersionConflict { current: v(3) });
}

#[tokio::test]
async fn a_concurrent_writer_winning_the_race_is_a_version_conflict() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_update().returning(|_, _| Err(RepoError::VersionConflict { current: Version::new(2).unwrap() }));

    let err = service(repo).update(&customer(1), me.id, v(1), UserChanges::default()).await.unwrap_err();

    assert_eq!(err, AppError::VersionConflict { current: v(2) });
}

#[tokio::test]
async fn a_customer_setting_role_or_disabled_is_forbidden_and_nothing_changes() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_update().times(0);
    let service = service(repo);

    let promote = UserChanges { role: Some(Role::Admin), ..Default::default() };
    let enable = UserChanges { disabled: Some(false), ..Default::default() };
    assert!(matches!(service.update(&customer(1), me.id, v(1), promote).await, Err(AppError::Forbidden(_))));
    assert!(matches!(service.update(&customer(1), me.id, v(1), enable).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn an_admin_changes_role_and_disabled() {
    let target = stored_user(2, Role::Customer);
    let mut repo = repo_with(target.clone());
    repo.expect_update().times(1).returning(|_, _| Ok(()));
    let changes = UserChanges { role: Some(Role::Admin), disabled: Some(true), ..Default::default() };

    let updated = service(repo).update(&admin(1), target.id, v(1), changes).await.unwrap();

    assert_eq!(updated.role, Role::Admin);
    assert!(updated.disabled);
}

#[tokio::test]
async fn a_customer_changing_password_without_the_current_one_is_a_validation_error() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_update().times(0);
    let changes = UserChanges { password: Some(Password::parse("new password").unwrap()), ..Default::default() };

    let err = service(repo).update(&customer(1), me.id, v(1), changes).await.unwrap_err();

    match err {
        AppError::Validation(errors) => assert_eq!(errors.errors()[0].field, "current_password"),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_current_password_is_forbidden() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_update().times(0);
    let changes = UserChanges {
        password: Some(Password::parse("new password").unwrap()),
        current_password: Some("not it at all".into()),
        ..Default::default()
    };

    let err = service(repo).update(&customer(1), me.id, v(1), changes).await.unwrap_err();

    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn the_right_current_password_lets_a_customer_set_a_new_one() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_update()
        .withf(|u, _| u.password_hash.as_str() == "hash:new password")
        .times(1)
        .returning(|_, _| Ok(()));
    let changes = UserChanges {
        password: Some(Password::parse("new password").unwrap()),
        current_password: Some("correct horse".into()),
        ..Default::default()
    };

    assert!(service(repo).update(&customer(1), me.id, v(1), changes).await.is_ok());
}

#[tokio::test]
async fn an_admin_sets_a_password_without_the_current_one() {
    let target = stored_user(2, Role::Customer);
    let mut repo = repo_with(target.clone());
    repo.expect_update().withf(|u, _| u.password_hash.as_str() == "hash:reset password").returning(|_, _| Ok(()));
    let changes = UserChanges { password: Some(Password::parse("reset password").unwrap()), ..Default::default() };

    assert!(service(repo).update(&admin(1), target.id, v(1), changes).await.is_ok());
}

#[tokio::test]
async fn updating_another_customer_is_not_found() {
    let mut repo = MockUserRepository::new();
    repo.expect_update().times(0);

    let err = service(repo).update(&customer(1), user_id(2), v(1), UserChanges::default()).await.unwrap_err();

    assert_eq!(err, AppError::NotFound);
}

#[tokio::test]
async fn a_customer_deletes_themselves_at_the_current_version() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_delete().with(eq(me.id), eq(Some(Version::INITIAL)), eq(t0())).times(1).returning(|_, _, _| Ok(()));

    assert!(service(repo).delete(&customer(1), me.id, Some(v(1))).await.is_ok());
}

#[tokio::test]
async fn a_stale_delete_is_a_version_conflict() {
    let mut me = stored_user(1, Role::Customer);
    me.version = v(4);
    let mut repo = repo_with(me.clone());
    repo.expect_delete().times(0);

    let err = service(repo).delete(&customer(1), me.id, Some(v(1))).await.unwrap_err();

    assert_eq!(err, AppError::VersionConflict { current: v(4) });
}

#[tokio::test]
async fn a_delete_without_a_version_is_unconditional() {
    let me = stored_user(1, Role::Customer);
    let mut repo = repo_with(me.clone());
    repo.expect_delete().with(eq(me.id), eq(None), eq(t0())).times(1).returning(|_, _, _| Ok(()));

    assert!(service(repo).delete(&admin(9), me.id, None).await.is_ok());
}

#[tokio::test]
async fn deleting_another_customer_is_not_found() {
    let mut repo = MockUserRepository::new();
    repo.expect_delete().times(0);

    let err = service(repo).delete(&customer(1), user_id(2), Some(v(1))).await.unwrap_err();

    assert_eq!(err, AppError::NotFound);
}

#[tokio::test]
async fn an_admin_cannot_disable_or_demote_themselves() {
    let me = stored_user(1, Role::Admin);
    let mut repo = repo_with(me.clone());
    repo.expect_update().times(0);
    let service = service(repo);
    let disable = UserChanges { disabled: Some(true), ..Default::default() };
    let demote = UserChanges { role: Some(Role::Customer), ..Default::default() };
    assert!(matches!(service.update(&admin(1), me.id, v(1), disable).await, Err(AppError::Forbidden(_))));
    assert!(matches!(service.update(&admin(1), me.id, v(1), demote).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_service_key_never_reaches_user_accounts() {
    use zonmart_domain::{Actor, Scope};
    let service_actor = Actor::service(ulid::Ulid::from_parts(4, 4), Scope::ALL.into_iter().collect());
    let users = service(MockUserRepository::new());
    assert!(matches!(users.get(&service_actor, user_id(1)).await, Err(AppError::Forbidden(_))));
    let listed = users.list(&service_actor, &Default::default(), Default::default()).await;
    assert!(matches!(listed, Err(AppError::Forbidden(_))));
}
