//! The user resource: registration, admin creation, reading, listing,
//! updating and deleting, with their authorization rules.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

fn no_secrets(user: &Value) {
    let text = user.to_string();
    assert!(!text.contains("password") && !text.contains("$2"), "leaks a secret: {text}");
}

#[actix_web::test]
async fn register_creates_a_customer_at_version_one_with_location_and_etag() {
    let app = spawn_app().await;
    let reply = app
        .post("/api/v1/auth/register", None, json!({"username": "Alice", "email": "Alice@Example.com", "password": PASSWORD, "full_name": "Alice L", "address": "1 Main St"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(id.len(), 26);
    assert_eq!(reply.header("location"), Some(format!("/api/v1/users/{id}").as_str()));
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(reply.body["username"], "Alice");
    assert_eq!(reply.body["email"], "alice@example.com");
    assert_eq!(reply.body["role"], "customer");
    assert_eq!(reply.body["disabled"], false);
    assert_eq!(reply.body["version"], 1);
    assert!(reply.body["created_at"].as_str().unwrap().ends_with('Z'));
    no_secrets(&reply.body);
}

#[actix_web::test]
async fn a_username_taken_in_another_case_is_a_duplicate() {
    let app = spawn_app().await;
    app.register("alice").await;
    let reply = app.post("/api/v1/auth/register", None, json!({"username": "ALICE", "password": PASSWORD})).await;
    reply.assert_problem(409, "duplicate");
    assert_eq!(reply.fields(), vec!["username"]);
}

#[actix_web::test]
async fn an_email_taken_in_another_case_is_a_duplicate() {
    let app = spawn_app().await;
    app.register("alice").await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "alice2", "email": "ALICE@example.com", "password": PASSWORD}),
        )
        .await;
    reply.assert_problem(409, "duplicate");
    assert_eq!(reply.fields(), vec!["email"]);
}

#[actix_web::test]
async fn invalid_fields_are_all_reported_and_nothing_is_created() {
    let app = spawn_app().await;
    let reply =
        app.post("/api/v1/auth/register", None, json!({"username": "a b", "email": "nope", "password": "short"})).await;
    reply.assert_problem(400, "validation_failed");
    let mut fields = reply.fields();
    fields.sort();
    assert_eq!(fields, vec!["email", "password", "username"]);
    let list = app.get("/api/v1/users", Some(&app.admin_token)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1, "only the admin exists");
}

#[actix_web::test]
async fn a_missing_field_is_named() {
    let app = spawn_app().await;
    let reply = app.post("/api/v1/auth/register", None, json!({"username": "bob"})).await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), vec!["password"]);
}

#[actix_web::test]
async fn register_ignores_no_role_it_is_refused_as_unknown() {
    let app = spawn_app().await;
    let reply = app
        .post("/api/v1/auth/register", None, json!({"username": "mallory", "password": PASSWORD, "role": "admin"}))
        .await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), vec!["role"]);
}

#[actix_web::test]
async fn an_admin_creates_an_admin_and_a_customer_cannot() {
    let app = spawn_app().await;
    let (_, customer) = app.register("carol").await;
    let body = json!({"username": "boss", "password": PASSWORD, "role": "admin"});
    let created = app.post("/api/v1/users", Some(&app.admin_token), body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["role"], "admin");
    assert!(created.header("location").is_some());
    app.post("/api/v1/users", Some(&customer), json!({"username": "boss2", "password": PASSWORD}))
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/users", None, body).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_customer_reads_themselves_but_another_customer_is_404() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let own = app.get(&format!("/api/v1/users/{}", alice["id"].as_str().unwrap()), Some(&alice_token)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.header("etag"), Some("\"1\""));
    no_secrets(&own.body);
    app.get(&format!("/api/v1/users/{}", bob["id"].as_str().unwrap()), Some(&alice_token))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn an_admin_reads_anyone_an_unknown_id_is_404_and_a_malformed_one_400() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let read = app.get(&format!("/api/v1/users/{}", alice["id"].as_str().unwrap()), Some(&app.admin_token)).await;
    assert_eq!(read.status, StatusCode::OK);
    app.get("/api/v1/users/01ARZ3NDEKTSV4RRFFQ69G5FAV", Some(&app.admin_token)).await.assert_problem(404, "not_found");
    let bad = app.get("/api/v1/users/not-a-ulid", Some(&app.admin_token)).await;
    bad.assert_problem(400, "validation_failed");
    assert_eq!(bad.fields(), vec!["id"]);
}

#[actix_web::test]
async fn admins_list_users_newest_first_in_pages() {
    let app = spawn_app().await;
    for name in ["usr1", "usr2", "usr3", "usr4"] {
        app.register(name).await;
    }
    let first = app.get("/api/v1/users?limit=2", Some(&app.admin_token)).await;
    assert_eq!(first.status, StatusCode::OK);
    let names: Vec<&str> =
        first.body["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["usr4", "usr3"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/users?limit=2&cursor={cursor}"), Some(&app.admin_token)).await;
    let names: Vec<&str> =
        second.body["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["usr2", "usr1"]);
    let third = app
        .get(
            &format!("/api/v1/users?limit=2&cursor={}", second.body["next_cursor"].as_str().unwrap()),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(third.body["items"].as_array().unwrap().len(), 1, "the admin");
    assert_eq!(third.body["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn the_user_list_filters_by_prefix_and_role() {
    let app = spawn_app().await;
    app.register("alice").await;
    app.register("alfred").await;
    app.register("bob").await;
    let al = app.get("/api/v1/users?q=AL", Some(&app.admin_token)).await;
    assert_eq!(al.body["items"].as_array().unwrap().len(), 2);
    let admins = app.get("/api/v1/users?role=admin", Some(&app.admin_token)).await;
    let items = admins.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["username"], ADMIN);
}

#[actix_web::test]
async fn bad_list_parameters_are_400() {
    let app = spawn_app().await;
    for query in ["limit=0", "limit=101", "limit=abc", "cursor=zzz", "role=root"] {
        app.get(&format!("/api/v1/users?{query}"), Some(&app.admin_token))
            .await
            .assert_problem(400, "validation_failed");
    }
}

#[actix_web::test]
async fn customers_cannot_list_users() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    app.get("/api/v1/users", Some(&token)).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_customer_updates_their_profile_and_clears_a_field_with_null() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let reply = app.patch(&path, &token, json!({"full_name": "Alice L", "email": null}), Stated::etag(1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["full_name"], "Alice L");
    assert_eq!(reply.body["email"], Value::Null);
    assert_eq!(reply.body["version"], 2);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    assert_ne!(reply.body["updated_at"], alice["updated_at"]);
    assert_eq!(reply.body["created_at"], alice["created_at"]);
}

#[actix_web::test]
async fn a_customer_setting_role_or_disabled_is_403_and_nothing_changes() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    for body in [json!({"role": "admin", "version": 1}), json!({"disabled": false, "version": 1})] {
        app.patch(&path, &token, body, Stated::Not).await.assert_problem(403, "forbidden");
    }
    let me = app.get("/api/v1/users/me", Some(&token)).await;
    assert_eq!(me.body["role"], "customer");
    assert_eq!(me.body["version"], 1);
}

#[actix_web::test]
async fn an_admin_disables_a_user_whose_token_then_stops_working() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let reply = app.patch(&path, &app.admin_token, json!({"disabled": true}), Stated::InBody(1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    app.get("/api/v1/users/me", Some(&token)).await.assert_problem(401, "unauthorized");
    app.post("/api/v1/auth/login", None, json!({"username": "alice", "password": PASSWORD}))
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_customer_changes_their_password_only_with_the_current_one() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let missing = app.patch(&path, &token, json!({"password": "new password 1"}), Stated::InBody(1)).await;
    missing.assert_problem(400, "validation_failed");
    assert_eq!(missing.fields(), vec!["current_password"]);
    let wrong = json!({"password": "new password 1", "current_password": "nope nope", "version": 1});
    app.patch(&path, &token, wrong, Stated::Not).await.assert_problem(403, "forbidden");
    let right = json!({"password": "new password 1", "current_password": PASSWORD, "version": 1});
    let ok = app.patch(&path, &token, right, Stated::Not).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    no_secrets(&ok.body);
    app.login("alice", "new password 1").await;
    app.post("/api/v1/auth/login", None, json!({"username": "alice", "password": PASSWORD}))
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn renaming_to_a_taken_username_is_a_duplicate() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    app.register("bob").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let reply = app.patch(&path, &token, json!({"username": "BOB"}), Stated::InBody(1)).await;
    reply.assert_problem(409, "duplicate");
    assert_eq!(reply.fields(), vec!["username"]);
}

#[actix_web::test]
async fn a_deleted_user_cannot_log_in_their_token_dies_and_their_name_is_free() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let deleted = app.delete(&path, &token, Stated::etag(1)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    app.get("/api/v1/users/me", Some(&token)).await.assert_problem(401, "unauthorized");
    app.get(&path, Some(&app.admin_token)).await.assert_problem(404, "not_found");
    app.post("/api/v1/auth/login", None, json!({"username": "alice", "password": PASSWORD}))
        .await
        .assert_problem(401, "unauthorized");
    app.register("alice").await;
}

#[actix_web::test]
async fn a_customer_cannot_delete_another_customer() {
    let app = spawn_app().await;
    let (_, alice_token) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let path = format!("/api/v1/users/{}", bob["id"].as_str().unwrap());
    app.delete(&path, &alice_token, Stated::etag(1)).await.assert_problem(404, "not_found");
    assert_eq!(app.get(&path, Some(&app.admin_token)).await.status, StatusCode::OK);
}
