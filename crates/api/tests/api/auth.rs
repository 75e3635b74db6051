//! Login and bearer authentication.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn login_answers_a_bearer_access_token() {
    let app = spawn_app().await;
    app.register("alice").await;
    let reply = app.post("/api/v1/auth/login", None, json!({"username": "alice", "password": PASSWORD})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 900);
    assert!(reply.body["access_token"].as_str().unwrap().split('.').count() == 3);
}

#[actix_web::test]
async fn login_accepts_the_email_in_any_case() {
    let app = spawn_app().await;
    app.register("alice").await;
    app.login("ALICE@example.com", PASSWORD).await;
    app.login("Alice", PASSWORD).await;
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401() {
    let app = spawn_app().await;
    app.register("alice").await;
    let wrong =
        app.post("/api/v1/auth/login", None, json!({"username": "alice", "password": "not the password"})).await;
    let unknown =
        app.post("/api/v1/auth/login", None, json!({"username": "nobody", "password": "not the password"})).await;
    wrong.assert_problem(401, "unauthorized");
    unknown.assert_problem(401, "unauthorized");
    assert_eq!(wrong.header("www-authenticate"), Some("Bearer"));
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
}

#[actix_web::test]
async fn the_oauth2_form_logs_in_too() {
    let app = spawn_app().await;
    let form = format!("grant_type=password&username={ADMIN}&password={ADMIN_PASSWORD}").into_bytes();
    let reply = app.send_raw(Method::POST, "/api/v1/auth/token", None, "application/x-www-form-urlencoded", form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["token_type"], "Bearer");
    let me = app.get("/api/v1/users/me", reply.body["access_token"].as_str()).await;
    assert_eq!(me.body["username"], ADMIN);
}

#[actix_web::test]
async fn the_token_endpoint_wants_a_form() {
    let app = spawn_app().await;
    app.post("/api/v1/auth/token", None, json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .await
        .assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn users_me_needs_a_valid_bearer_token() {
    let app = spawn_app().await;
    let none = app.get("/api/v1/users/me", None).await;
    none.assert_problem(401, "unauthorized");
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    app.get("/api/v1/users/me", Some("not.a.token")).await.assert_problem(401, "unauthorized");
    let basic = app.call(Method::GET, "/api/v1/users/me", None, None, &[("authorization", "Basic YWRtaW46eA==")]).await;
    basic.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn users_me_is_the_caller() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let me = app.get("/api/v1/users/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["id"], alice["id"]);
    assert_eq!(me.header("etag"), Some("\"1\""));
}

async fn login_pair(app: &TestApp, username: &str, password: &str) -> serde_json::Value {
    let reply = app.post("/api/v1/auth/login", None, json!({"username": username, "password": password})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

#[actix_web::test]
async fn login_hands_out_a_refresh_token_that_rotates() {
    let app = spawn_app().await;
    let first = login_pair(&app, ADMIN, ADMIN_PASSWORD).await;
    assert!(first["refresh_expires_in"].as_i64().unwrap() > 900);
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_ne!(second.body["refresh_token"], first["refresh_token"]);
    let me = app.get("/api/v1/users/me", second.body["access_token"].as_str()).await;
    assert_eq!(me.status, StatusCode::OK);
}

#[actix_web::test]
async fn reusing_a_refresh_token_revokes_its_whole_family() {
    let app = spawn_app().await;
    let first = login_pair(&app, ADMIN, ADMIN_PASSWORD).await;
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    assert_eq!(second.status, StatusCode::OK);

    let replay = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    replay.assert_problem(401, "unauthorized");
    let descendant =
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": second.body["refresh_token"]})).await;
    descendant.assert_problem(401, "unauthorized");

    // Another login's family is untouched.
    let other = login_pair(&app, ADMIN, ADMIN_PASSWORD).await;
    let fine = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": other["refresh_token"]})).await;
    assert_eq!(fine.status, StatusCode::OK);
}

#[actix_web::test]
async fn logout_revokes_the_family_and_needs_a_known_token() {
    let app = spawn_app().await;
    let pair = login_pair(&app, ADMIN, ADMIN_PASSWORD).await;
    let out = app.post("/api/v1/auth/logout", None, json!({"refresh_token": pair["refresh_token"]})).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]}))
        .await
        .assert_problem(401, "unauthorized");
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": "never-issued"}))
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_refresh_token_of_a_deleted_user_is_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let pair = login_pair(&app, "alice", PASSWORD).await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let deleted = app.delete(&path, &app.admin_token, Stated::etag(1)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]}))
        .await
        .assert_problem(401, "unauthorized");
}

/// `{"alg":"none","typ":"JWT"}`, base64url.
const ALG_NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";

#[actix_web::test]
async fn tampered_unsigned_and_foreign_tokens_are_401() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let parts: Vec<&str> = token.split('.').collect();

    let unsigned = format!("{ALG_NONE_HEADER}.{}.", parts[1]);
    app.get("/api/v1/users/me", Some(&unsigned)).await.assert_problem(401, "unauthorized");

    let mut signature: Vec<char> = parts[2].chars().collect();
    signature[3] = if signature[3] == 'A' { 'B' } else { 'A' };
    let bad_signature = format!("{}.{}.{}", parts[0], parts[1], signature.into_iter().collect::<String>());
    app.get("/api/v1/users/me", Some(&bad_signature)).await.assert_problem(401, "unauthorized");

    let foreign = zonmart_adapters::JwtIssuer::hs256(b"another-secret-another-secret-1234");
    let now = chrono::Utc::now();
    let claims = zonmart_ports::AccessClaims {
        user_id: zonmart_domain::UserId::from_ulid(ulid::Ulid::generate()),
        role: zonmart_domain::Role::Admin,
        issued_at: now,
        expires_at: now + chrono::Duration::minutes(15),
        session_generation: 0,
        token_id: ulid::Ulid::generate(),
    };
    let forged = zonmart_ports::TokenIssuer::issue(&foreign, &claims).unwrap();
    app.get("/api/v1/users/me", Some(&forged)).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn an_expired_token_is_401() {
    let app = spawn_app().await;
    let me = app.get("/api/v1/users/me", Some(&app.admin_token)).await;
    let issuer = zonmart_adapters::JwtIssuer::hs256(zonmart_api::Settings::for_tests().jwt_secret.unwrap().as_bytes());
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let claims = zonmart_ports::AccessClaims {
        user_id: zonmart_domain::UserId::parse(me.body["id"].as_str().unwrap()).unwrap(),
        role: zonmart_domain::Role::Admin,
        issued_at: long_ago,
        expires_at: long_ago + chrono::Duration::minutes(15),
        session_generation: 0,
        token_id: ulid::Ulid::generate(),
    };
    let expired = zonmart_ports::TokenIssuer::issue(&issuer, &claims).unwrap();
    app.get("/api/v1/users/me", Some(&expired)).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn the_auth_endpoints_are_limited_per_ip_with_retry_after() {
    let settings = zonmart_api::Settings { rate_limit_auth_per_minute: 10, ..zonmart_api::Settings::for_tests() };
    // The admin's own login at spawn uses one of the burst of 5.
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply = app.post("/api/v1/auth/login", None, json!({"username": "nobody", "password": "whatever1"})).await;
        statuses.push(reply.status.as_u16());
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            reply.assert_problem(429, "rate_limited");
            let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
            assert!(retry >= 1, "Retry-After {retry}");
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
}

/// Six logins against `apps` in turn: their statuses.
async fn six_logins(apps: &[&TestApp]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for n in 0..6 {
        let started = std::time::Instant::now();
        let body = json!({"username": "nobody", "password": "whatever1"});
        statuses.push(apps[n % apps.len()].post("/api/v1/auth/login", None, body).await.status.as_u16());
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "a login took {:?}", started.elapsed());
    }
    statuses
}

fn redis_url() -> String {
    std::env::var("ZONMART_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/15".into())
}

/// Two instances sharing one Redis count one client's logins together.
#[actix_web::test]
async fn with_redis_two_instances_share_the_auth_limit() {
    if redis::Client::open(redis_url()).and_then(|c| c.get_connection()).is_err() {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true needs a Redis at {}", redis_url());
        eprintln!("skipped: no Redis at {}", redis_url());
        return;
    }
    let settings = zonmart_api::Settings {
        rate_limit_auth_per_minute: 10,
        redis_url: Some(redis_url()),
        ..zonmart_api::Settings::for_tests()
    };
    let db = zonmart_adapters::testing::TestDatabase::sqlite_file(2).await;
    let url = db.url().expect("a file another app can open");
    // Each spawn logs its admin in: two of the shared burst of 5.
    let first = spawn_app_on(db, settings.clone()).await;
    let same_store = zonmart_adapters::Database::connect(&url, zonmart_adapters::PoolOptions::default()).await.unwrap();
    let second = spawn_app_with(zonmart_adapters::testing::TestDatabase::sqlite().await, same_store, settings).await;
    assert_eq!(six_logins(&[&first, &second]).await, [401, 401, 401, 429, 429, 429]);
}

/// Redis not answering: the limit still holds, per instance (fail open),
/// no request waits on it, and `/metrics` says so.
#[actix_web::test]
async fn with_redis_down_the_limit_counts_per_instance_at_once() {
    let settings = zonmart_api::Settings {
        rate_limit_auth_per_minute: 10,
        redis_url: Some("redis://127.0.0.1:1/0".into()),
        ..zonmart_api::Settings::for_tests()
    };
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;
    assert_eq!(six_logins(&[&app]).await, [401, 401, 401, 401, 429, 429]);
    // The recorder is the test process's (other tests' Redis flips the
    // gauge): the error counter is this test's alone.
    let metrics = app.get("/metrics", None).await.text;
    let errors: f64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("zonmart_rate_limit_redis_errors_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0.0);
    assert!(errors >= 6.0, "every check that Redis did not answer is counted: {metrics}");
}

#[actix_web::test]
async fn other_endpoints_are_limited_per_user_and_health_is_exempt() {
    let settings = zonmart_api::Settings { rate_limit_per_minute: 3, ..zonmart_api::Settings::for_tests() };
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.get("/api/v1/users/me", Some(&app.admin_token)).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    for _ in 0..5 {
        assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
    }
    // Another caller (here: anonymous, by IP) has a bucket of their own.
    app.get("/api/v1/users/me", None).await.assert_problem(401, "unauthorized");
}
