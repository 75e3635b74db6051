//! Optimistic locking as API.md states it, on SQLite and PostgreSQL.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

async fn alice(app: &TestApp) -> (String, String) {
    let (alice, token) = app.register("alice").await;
    (format!("/api/v1/users/{}", alice["id"].as_str().unwrap()), token)
}

#[actix_web::test]
async fn a_write_without_a_version_is_428() {
    let app = spawn_app().await;
    let (path, token) = alice(&app).await;
    app.patch(&path, &token, json!({"full_name": "A"}), Stated::Not).await.assert_problem(428, "precondition_required");
    app.delete(&path, &token, Stated::Not).await.assert_problem(428, "precondition_required");
}

#[actix_web::test]
async fn a_stale_if_match_is_412_with_the_current_version() {
    let app = spawn_app().await;
    let (path, token) = alice(&app).await;
    let first = app.patch(&path, &token, json!({"full_name": "A"}), Stated::etag(1)).await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = app.patch(&path, &token, json!({"full_name": "B"}), Stated::etag(1)).await;
    stale.assert_problem(412, "version_conflict");
    assert_eq!(stale.body["current_version"], 2);
    assert_eq!(app.get(&path, Some(&token)).await.body["full_name"], "A", "the stale write changed nothing");
}

#[actix_web::test]
async fn a_stale_body_version_is_409_with_the_current_version() {
    let app = spawn_app().await;
    let (path, token) = alice(&app).await;
    app.patch(&path, &token, json!({"full_name": "A"}), Stated::InBody(1)).await;
    let stale = app.patch(&path, &token, json!({"full_name": "B"}), Stated::InBody(1)).await;
    stale.assert_problem(409, "version_conflict");
    assert_eq!(stale.body["current_version"], 2);
}

#[actix_web::test]
async fn if_match_and_body_version_disagreeing_is_400() {
    let app = spawn_app().await;
    let (path, token) = alice(&app).await;
    let reply = app.patch(&path, &token, json!({"full_name": "A", "version": 2}), Stated::etag(1)).await;
    reply.assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn a_float_version_is_400() {
    let app = spawn_app().await;
    let (path, token) = alice(&app).await;
    // Malformed on purpose, so sent as written.
    let reply =
        app.call(Method::PATCH, &path, Some(&token), Some(json!({"full_name": "A", "version": 1.0})), &[]).await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), vec!["version"]);
}

#[actix_web::test]
async fn a_stale_delete_is_refused_and_the_user_stays() {
    let app = spawn_app().await;
    let (path, token) = alice(&app).await;
    app.patch(&path, &token, json!({"full_name": "A"}), Stated::InBody(1)).await;
    app.delete(&path, &token, Stated::etag(1)).await.assert_problem(412, "version_conflict");
    app.delete(&path, &token, Stated::InBody(1)).await.assert_problem(409, "version_conflict");
    assert_eq!(app.get("/api/v1/users/me", Some(&token)).await.status, StatusCode::OK);
    let deleted = app.delete(&path, &token, Stated::InBody(2)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
}

/// 20 writers holding the same version: exactly one wins, the others are told
/// the record moved on, and the winner's change is the one stored.
async fn exactly_one_of_twenty_concurrent_patches_wins(app: TestApp) {
    let (path, token) = alice(&app).await;
    let attempts = (0..20).map(|n| {
        let (app, path, token) = (&app, &path, &token);
        async move {
            let body = json!({"full_name": format!("writer {n}")});
            app.patch(path, token, body, Stated::etag(1)).await
        }
    });
    let replies = futures_util::future::join_all(attempts).await;

    let winners: Vec<_> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(winners.len(), 1, "statuses: {:?}", replies.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>());
    for loser in replies.iter().filter(|r| r.status != StatusCode::OK) {
        loser.assert_problem(412, "version_conflict");
        assert_eq!(loser.body["current_version"], 2);
    }
    let stored = app.get(&path, Some(&token)).await;
    assert_eq!(stored.body["version"], 2);
    assert_eq!(stored.body["full_name"], winners[0].body["full_name"]);
}

#[actix_web::test]
async fn concurrent_patches_with_one_version_have_one_winner_on_sqlite() {
    exactly_one_of_twenty_concurrent_patches_wins(spawn_app().await).await;
}

#[actix_web::test]
async fn concurrent_patches_with_one_version_have_one_winner_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        exactly_one_of_twenty_concurrent_patches_wins(app).await;
    }
}

#[actix_web::test]
async fn a_user_round_trips_through_create_read_update_delete_on_postgres() {
    let Some(app) = spawn_app_on_postgres().await else { return };
    let (path, token) = alice(&app).await;
    assert_eq!(app.get(&path, Some(&token)).await.body["version"], 1);
    let updated = app.patch(&path, &token, json!({"address": "2 Side St"}), Stated::etag(1)).await;
    assert_eq!(updated.body["version"], 2);
    app.patch(&path, &token, json!({"address": "3"}), Stated::etag(1)).await.assert_problem(412, "version_conflict");
    app.patch(&path, &token, json!({"address": "3"}), Stated::InBody(1)).await.assert_problem(409, "version_conflict");
    app.post("/api/v1/auth/register", None, json!({"username": "ALICE", "password": PASSWORD}))
        .await
        .assert_problem(409, "duplicate");
    let deleted = app.delete(&path, &token, Stated::etag(2)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&path, Some(&app.admin_token)).await.assert_problem(404, "not_found");
}
