//! The user repository's contract, run against SQLite and PostgreSQL alike.

mod support;

use chrono::Duration;
use zonmart_adapters::{Database, SqlUserRepository, SystemClock};
use zonmart_domain::{Address, Cursor, FullName, Limit, PageRequest, Role, User};
use zonmart_ports::{Clock, RepoError, UserFilter, UserRepository};

use support::{renamed, version, Users};

on_each_backend!(
    a_stored_user_reads_back_with_every_field,
    a_username_differing_only_in_case_is_a_duplicate_username,
    a_taken_email_is_a_duplicate_email,
    a_deleted_users_username_and_email_are_free_again,
    login_finds_a_user_by_username_in_any_case_or_by_email,
    listing_pages_newest_first_without_overlap,
    listing_filters_by_role,
    listing_filters_by_a_case_insensitive_prefix_of_username_or_email,
    wildcards_in_the_prefix_are_literal,
    an_update_at_the_current_version_is_stored,
    an_update_at_a_stale_version_reports_the_current_one,
    an_update_of_an_unknown_or_deleted_user_is_not_found,
    an_update_to_a_taken_username_is_a_duplicate,
    a_delete_at_a_stale_version_conflicts_and_at_the_current_one_hides_the_user,
    an_unconditional_delete_hides_the_user_once,
);

fn repo(db: Database) -> SqlUserRepository {
    SqlUserRepository::new(db)
}

fn page(limit: i64, after: Option<Cursor>) -> PageRequest {
    PageRequest { limit: Limit::new(limit).unwrap(), after }
}

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

async fn a_stored_user_reads_back_with_every_field(db: Database) {
    let repo = repo(db);
    let created = SystemClock.now();
    let user = User {
        full_name: Some(FullName::parse("Ada Lovelace").unwrap()),
        address: Some(Address::parse("12 St James's Square\nLondon").unwrap()),
        disabled: true,
        updated_at: created + Duration::microseconds(1_234_567),
        created_at: created,
        ..Users::new().with_role("Ada.L", Some("Ada@Example.com"), Role::Admin)
    };
    repo.insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    assert_eq!(repo.find(user.id).await.unwrap(), Some(user));
}

async fn a_username_differing_only_in_case_is_a_duplicate_username(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    repo.insert(&users.customer("alice", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let again = repo.insert(&users.customer("ALICE", None), &zonmart_adapters::testing::events::any_event()).await;
    assert_eq!(again, Err(RepoError::Duplicate { field: "username".into() }));
}

async fn a_taken_email_is_a_duplicate_email(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    repo.insert(&users.customer("alice", Some("alice@example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    let again = repo
        .insert(&users.customer("bob", Some("ALICE@example.com")), &zonmart_adapters::testing::events::any_event())
        .await;
    assert_eq!(again, Err(RepoError::Duplicate { field: "email".into() }));
}

async fn a_deleted_users_username_and_email_are_free_again(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let first = users.customer("alice", Some("alice@example.com"));
    repo.insert(&first, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.delete(first.id, None, SystemClock.now()).await.unwrap();
    let second = users.customer("Alice", Some("alice@example.com"));
    repo.insert(&second, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    assert_eq!(repo.find_by_login("alice").await.unwrap().map(|u| u.id), Some(second.id));
}

async fn login_finds_a_user_by_username_in_any_case_or_by_email(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let alice = users.customer("Alice", Some("alice@example.com"));
    repo.insert(&alice, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&users.customer("bob", Some("bob@example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    for login in ["Alice", "alice", "ALICE", "alice@example.com", "Alice@Example.COM"] {
        assert_eq!(repo.find_by_login(login).await.unwrap().map(|u| u.id), Some(alice.id), "{login}");
    }
    assert_eq!(repo.find_by_login("carol").await.unwrap(), None);
    assert_eq!(repo.find_by_login("alic").await.unwrap(), None, "a prefix is not a login");
}

async fn listing_pages_newest_first_without_overlap(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    for name in ["u1", "u2", "u3", "u4", "u5"].map(|n| format!("user-{n}")) {
        repo.insert(&users.customer(&name, None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    }
    let filter = UserFilter::default();
    let first = repo.list(&filter, page(2, None)).await.unwrap();
    let second = repo.list(&filter, page(2, first.next.clone())).await.unwrap();
    let third = repo.list(&filter, page(2, second.next.clone())).await.unwrap();
    assert_eq!(names(&first.items), ["user-u5", "user-u4"]);
    assert_eq!(names(&second.items), ["user-u3", "user-u2"]);
    assert_eq!(names(&third.items), ["user-u1"]);
    assert!(first.next.is_some() && second.next.is_some());
    assert_eq!(third.next, None);
    let all = repo.list(&filter, page(5, None)).await.unwrap();
    assert_eq!((all.items.len(), all.next), (5, None), "exactly a page full has no next page");
}

async fn listing_filters_by_role(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    repo.insert(&users.customer("carol", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&users.with_role("root", None, Role::Admin), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    let admins = UserFilter { role: Some(Role::Admin), ..UserFilter::default() };
    assert_eq!(names(&repo.list(&admins, page(10, None)).await.unwrap().items), ["root"]);
}

async fn listing_filters_by_a_case_insensitive_prefix_of_username_or_email(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    repo.insert(&users.customer("Alice", Some("alice@example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    repo.insert(&users.customer("bob", Some("ALbert@example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    repo.insert(&users.customer("malory", Some("m@al.example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    let q = |q: &str| UserFilter { q: Some(q.into()), ..UserFilter::default() };
    assert_eq!(names(&repo.list(&q("AL"), page(10, None)).await.unwrap().items), ["bob", "Alice"]);
    assert_eq!(names(&repo.list(&q("alb"), page(10, None)).await.unwrap().items), ["bob"]);
    assert!(repo.list(&q("lice"), page(10, None)).await.unwrap().items.is_empty(), "a prefix, not a substring");
}

async fn wildcards_in_the_prefix_are_literal(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    repo.insert(&users.customer("ab_c", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&users.customer("abxc", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.insert(&users.customer("percent", Some("a%b@example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    repo.insert(&users.customer("axb", Some("axb@example.com")), &zonmart_adapters::testing::events::any_event())
        .await
        .unwrap();
    let q = |q: &str| UserFilter { q: Some(q.into()), ..UserFilter::default() };
    assert_eq!(names(&repo.list(&q("ab_"), page(10, None)).await.unwrap().items), ["ab_c"]);
    assert_eq!(names(&repo.list(&q("a%"), page(10, None)).await.unwrap().items), ["percent"]);
    assert!(repo.list(&q("a\\"), page(10, None)).await.unwrap().items.is_empty());
}

async fn an_update_at_the_current_version_is_stored(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let user = users.customer("alice", Some("alice@example.com"));
    repo.insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let changed =
        User { email: None, full_name: Some(FullName::parse("Alice A").unwrap()), ..renamed(&user, "alicia") };
    repo.update(&changed, user.version).await.unwrap();
    assert_eq!(repo.find(user.id).await.unwrap(), Some(changed));
}

async fn an_update_at_a_stale_version_reports_the_current_one(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let user = users.customer("alice", None);
    repo.insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let v2 = renamed(&user, "alice2");
    repo.update(&v2, version(1)).await.unwrap();
    let stale = repo.update(&renamed(&user, "alice3"), version(1)).await;
    assert_eq!(stale, Err(RepoError::VersionConflict { current: version(2) }));
    assert_eq!(repo.find(user.id).await.unwrap(), Some(v2), "the stale write changed nothing");
}

async fn an_update_of_an_unknown_or_deleted_user_is_not_found(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let ghost = users.customer("ghost", None);
    assert_eq!(repo.update(&renamed(&ghost, "ghost2"), version(1)).await, Err(RepoError::NotFound));
    let gone = users.customer("gone", None);
    repo.insert(&gone, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.delete(gone.id, None, SystemClock.now()).await.unwrap();
    assert_eq!(repo.update(&renamed(&gone, "gone2"), version(1)).await, Err(RepoError::NotFound));
    assert_eq!(repo.update(&renamed(&gone, "gone2"), version(2)).await, Err(RepoError::NotFound));
}

async fn an_update_to_a_taken_username_is_a_duplicate(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    repo.insert(&users.customer("alice", None), &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let bob = users.customer("bob", None);
    repo.insert(&bob, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    let taken = repo.update(&renamed(&bob, "Alice"), bob.version).await;
    assert_eq!(taken, Err(RepoError::Duplicate { field: "username".into() }));
}

async fn a_delete_at_a_stale_version_conflicts_and_at_the_current_one_hides_the_user(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let user = users.customer("alice", Some("alice@example.com"));
    repo.insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.update(&renamed(&user, "alice2"), version(1)).await.unwrap();

    let stale = repo.delete(user.id, Some(version(1)), SystemClock.now()).await;
    assert_eq!(stale, Err(RepoError::VersionConflict { current: version(2) }));
    assert!(repo.find(user.id).await.unwrap().is_some(), "a refused delete deletes nothing");

    repo.delete(user.id, Some(version(2)), SystemClock.now()).await.unwrap();
    assert_eq!(repo.find(user.id).await.unwrap(), None);
    assert_eq!(repo.find_by_login("alice2").await.unwrap(), None);
    assert_eq!(repo.find_by_login("alice@example.com").await.unwrap(), None);
    assert!(repo.list(&UserFilter::default(), page(10, None)).await.unwrap().items.is_empty());
}

async fn an_unconditional_delete_hides_the_user_once(db: Database) {
    let (repo, users) = (repo(db), Users::new());
    let user = users.customer("alice", None);
    repo.insert(&user, &zonmart_adapters::testing::events::any_event()).await.unwrap();
    repo.update(&renamed(&user, "alice2"), version(1)).await.unwrap();
    repo.delete(user.id, None, SystemClock.now()).await.unwrap();
    assert_eq!(repo.find(user.id).await.unwrap(), None);
    assert_eq!(repo.delete(user.id, None, SystemClock.now()).await, Err(RepoError::NotFound));
}
