//! Input the server refuses before anything runs (API.md, "Conventions"):
//! U+0000 anywhere, query parameters an operation does not take, a member
//! named twice, slow bodies; on both databases where the database is what
//! would otherwise have answered 500.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

async fn nul_anywhere_is_a_400_never_a_500(app: &TestApp) {
    for path in ["/api/v1/products?q=%00", "/api/v1/products?cursor=a%00b", "/api/v1/products?q=tea%00pot"] {
        app.get(path, None).await.assert_problem(400, "validation_failed");
    }
    app.get("/api/v1/users?q=%00", Some(&app.admin_token)).await.assert_problem(400, "validation_failed");
    // A cursor whose decoded text holds U+0000 (hex of `s:<ulid>:a\0b`).
    let cursor: String = "s:01JDQ3M6Z9Y8X7W6V5T4S3R2Q1:a\0b".bytes().map(|b| format!("{b:02x}")).collect();
    app.get(&format!("/api/v1/products?sort=name&cursor={cursor}"), None)
        .await
        .assert_problem(400, "validation_failed");
    for path in ["/token", "/api/v1/auth/token"] {
        let form = b"username=a%00b&password=whatever1".to_vec();
        let reply = app.send_raw(Method::POST, path, None, "application/x-www-form-urlencoded", form).await;
        reply.assert_problem(400, "validation_failed");
        assert_eq!(reply.fields(), vec!["username"], "{path}");
    }
    app.post("/api/v1/auth/login", None, json!({"username": "a\u{0}b", "password": "whatever1"}))
        .await
        .assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn nul_in_queries_forms_and_cursors_is_refused_on_sqlite() {
    nul_anywhere_is_a_400_never_a_500(&spawn_app().await).await;
}

#[actix_web::test]
async fn nul_in_queries_forms_and_cursors_is_refused_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        nul_anywhere_is_a_400_never_a_500(&app).await;
    }
}

#[actix_web::test]
async fn an_unknown_query_parameter_is_refused_naming_it() {
    let app = spawn_app().await;
    let typo = app.get("/api/v1/products?min_price=100", None).await;
    typo.assert_problem(400, "validation_failed");
    assert_eq!(typo.fields(), vec!["min_price"]);
    let product = app.create_product("Teapot", 1000, 5).await;
    let path = format!("/api/v1/products/{}?expand=all", product["id"].as_str().unwrap());
    app.get(&path, None).await.assert_problem(400, "validation_failed");
    app.call(Method::POST, "/home?skip=0&limit=10&page=2", None, None, &[])
        .await
        .assert_problem(400, "validation_failed");
    // Declared ones still work.
    assert_eq!(app.get("/api/v1/products?min_price_cents=100&limit=5", None).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_member_named_twice_is_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let body = br#"{"name":"Teapot","price_cents":100,"stock":1,"name":"Kettle"}"#.to_vec();
    let reply = app.send_raw(Method::POST, "/api/v1/products", Some(&app.admin_token), "application/json", body).await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(app.get("/api/v1/products", None).await.body["items"], json!([]));
}

#[actix_web::test]
async fn if_match_is_compared_as_a_string_and_sent_once() {
    let app = spawn_app().await;
    let product = app.create_product("Teapot", 1000, 5).await;
    let path = format!("/api/v1/products/{}", product["id"].as_str().unwrap());
    let change = || json!({"stock": 9});
    let padded = app.patch(&path, &app.admin_token, change(), Stated::IfMatch("\"01\"".into())).await;
    padded.assert_problem(412, "version_conflict");
    assert_eq!(padded.body["current_version"], 1);
    // Two lines (the test client's own helpers would fold them into one).
    let twice = awc::Client::new()
        .patch(app.url(&path))
        .insert_header(("authorization", format!("Bearer {}", app.admin_token)))
        .append_header(("if-match", "\"1\""))
        .append_header(("if-match", "\"1\""))
        .send_json(&json!({"stock": 9}))
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.product(product["id"].as_str().unwrap()).await["version"], 1, "nothing was written");
    let right = app.patch(&path, &app.admin_token, change(), Stated::etag(1)).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text);
}

#[actix_web::test]
async fn the_seed_registration_shares_the_auth_limit() {
    let settings = zonmart_api::Settings { rate_limit_auth_per_minute: 10, ..zonmart_api::Settings::for_tests() };
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;
    let mut statuses = Vec::new();
    // The admin's login at spawn took one of the burst of 5.
    for n in 0..5 {
        let body = json!({"username": format!("seed{n}"), "password": PASSWORD, "address": "1 Main St"});
        statuses.push(app.post("/create_user/", None, body).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429]);
}

#[actix_web::test]
async fn guessing_the_current_password_counts_against_the_auth_limit() {
    let settings = zonmart_api::Settings { rate_limit_auth_per_minute: 10, ..zonmart_api::Settings::for_tests() };
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;
    // The admin's login, the registration and its login took 3 of the
    // burst of 5: two guesses are left.
    let (alice, token) = app.register("alice").await;
    let path = format!("/api/v1/users/{}", alice["id"].as_str().unwrap());
    let mut statuses = Vec::new();
    for n in 0..4 {
        let guess = json!({"password": "new password 1", "current_password": format!("guess {n}"), "version": 1});
        statuses.push(app.patch(&path, &token, guess, Stated::Not).await.status.as_u16());
    }
    assert_eq!(statuses, [403, 403, 429, 429]);
    let limited =
        app.patch(&path, &token, json!({"current_password": PASSWORD, "full_name": "A"}), Stated::InBody(1)).await;
    limited.assert_problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    // A PATCH without current_password is not an auth attempt.
    let plain = app.patch(&path, &token, json!({"full_name": "A"}), Stated::InBody(1)).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
}

#[actix_web::test]
async fn a_body_that_never_finishes_is_cut_off_with_408() {
    let app = spawn_app().await;
    let address = app.url("").trim_start_matches("http://").to_owned();
    let outcome = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
        stream.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("}") {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
        }
        (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
    })
    .await
    .unwrap();
    let (answer, waited) = outcome;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(waited < Duration::from_secs(20), "cut off after {waited:?}");
}
