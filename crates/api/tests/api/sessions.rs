//! Ending sessions (API.md, "Authentication"): a password change, a disable
//! and a delete end every session of the user, access and refresh tokens
//! alike, and re-enabling a user revives none of them.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

/// A fresh login's access and refresh tokens.
async fn session(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let reply = app.post("/api/v1/auth/login", None, json!({"username": username, "password": password})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let token = |name: &str| reply.body[name].as_str().expect("a token").to_owned();
    (token("access_token"), token("refresh_token"))
}

async fn refresh(app: &TestApp, refresh_token: &str) -> crate::support::Reply {
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": refresh_token})).await
}

async fn patch_user(app: &TestApp, token: &str, user: &Value, version: i64, changes: Value) -> Value {
    let mut body = changes;
    body["version"] = version.into();
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let reply = app.patch(&path, token, body, Stated::Not).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

async fn a_password_change_ends_every_older_session(app: &TestApp) {
    let (alice, _) = app.register("alice").await;
    let product = app.create_product("Teapot", 1000, 5).await;
    let (access, refresh_token) = session(app, "alice", PASSWORD).await;
    let (other_access, _) = session(app, "alice", PASSWORD).await;

    let change = json!({"password": "a new password", "current_password": PASSWORD});
    patch_user(app, &access, &alice, 1, change).await;

    app.get("/api/v1/users/me", Some(&access)).await.assert_problem(401, "unauthorized");
    app.get("/api/v1/users/me", Some(&other_access)).await.assert_problem(401, "unauthorized");
    refresh(app, &refresh_token).await.assert_problem(401, "unauthorized");
    // Placing an order checks the session inside its own transaction.
    app.order(&other_access, &[(product["id"].as_str().unwrap(), 1)]).await.assert_problem(401, "unauthorized");
    assert_eq!(app.product(product["id"].as_str().unwrap()).await["stock"], 5, "nothing was taken");

    let (fresh, fresh_refresh) = session(app, "alice", "a new password").await;
    assert_eq!(app.get("/api/v1/users/me", Some(&fresh)).await.status, StatusCode::OK);
    assert_eq!(refresh(app, &fresh_refresh).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_password_change_ends_every_older_session_and_the_new_password_starts_one() {
    a_password_change_ends_every_older_session(&spawn_app().await).await;
}

#[actix_web::test]
async fn a_password_change_ends_every_older_session_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        a_password_change_ends_every_older_session(&app).await;
    }
}

#[actix_web::test]
async fn re_enabling_a_disabled_user_revives_none_of_their_old_tokens() {
    let app = &spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (access, refresh_token) = session(app, "alice", PASSWORD).await;

    let disabled = patch_user(app, &app.admin_token, &alice, 1, json!({"disabled": true})).await;
    patch_user(app, &app.admin_token, &alice, disabled["version"].as_i64().unwrap(), json!({"disabled": false})).await;

    app.get("/api/v1/users/me", Some(&access)).await.assert_problem(401, "unauthorized");
    refresh(app, &refresh_token).await.assert_problem(401, "unauthorized");
    let (fresh, _) = session(app, "alice", PASSWORD).await;
    assert_eq!(app.get("/api/v1/users/me", Some(&fresh)).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_admin_setting_a_password_ends_the_users_sessions_too() {
    let app = &spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (access, refresh_token) = session(app, "alice", PASSWORD).await;

    patch_user(app, &app.admin_token, &alice, 1, json!({"password": "set by the admin"})).await;

    app.get("/api/v1/users/me", Some(&access)).await.assert_problem(401, "unauthorized");
    refresh(app, &refresh_token).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_profile_edit_keeps_the_users_sessions() {
    let app = &spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (access, refresh_token) = session(app, "alice", PASSWORD).await;

    patch_user(app, &access, &alice, 1, json!({"full_name": "Alice Liddell"})).await;

    assert_eq!(app.get("/api/v1/users/me", Some(&access)).await.status, StatusCode::OK);
    assert_eq!(refresh(app, &refresh_token).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_deleted_users_refresh_token_is_refused() {
    let app = &spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (access, refresh_token) = session(app, "alice", PASSWORD).await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());

    let deleted = app.delete(&path, &access, Stated::etag(1)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    app.get("/api/v1/users/me", Some(&access)).await.assert_problem(401, "unauthorized");
    refresh(app, &refresh_token).await.assert_problem(401, "unauthorized");
}
