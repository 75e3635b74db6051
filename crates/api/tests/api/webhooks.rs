//! Webhooks over HTTP, delivered to a receiver on loopback.

use std::sync::{Arc, Mutex};

use actix_web::http::{Method, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use zonmart_adapters::testing::TestDatabase;
use zonmart_api::config::Settings;

use crate::support::*;

/// What the receiver got: (headers we check, body).
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, String, String)>>>);

/// A receiver answering 500 to its first `fail_first` requests, then 204.
async fn receiver(fail_first: usize) -> (String, Received) {
    let got = Received::default();
    let seen = got.clone();
    let server = HttpServer::new(move || {
        let seen = seen.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let seen = seen.clone();
            async move {
                let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let mut all = seen.0.lock().unwrap();
                all.push((
                    header("zonmart-signature"),
                    header("zonmart-event-type"),
                    String::from_utf8_lossy(&body).into_owned(),
                ));
                if all.len() <= fail_first {
                    HttpResponse::InternalServerError().finish()
                } else {
                    HttpResponse::NoContent().finish()
                }
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    (format!("http://127.0.0.1:{port}/hook"), got)
}

async fn app_delivering_to_loopback() -> TestApp {
    let settings = Settings {
        webhook_allow_private_targets: true,
        webhook_backoff_ms: 50,
        webhook_timeout_ms: 500,
        ..Settings::for_tests()
    };
    spawn_app_on(TestDatabase::sqlite().await, settings).await
}

async fn wait_for(got: &Received, count: usize) {
    for _ in 0..200 {
        if got.0.lock().unwrap().len() >= count {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the receiver got {} of {count}", got.0.lock().unwrap().len());
}

#[actix_web::test]
async fn a_delivery_is_signed_and_retried_until_accepted() {
    let app = app_delivering_to_loopback().await;
    let (url, got) = receiver(2).await;
    let created =
        app.post("/api/v1/webhooks", Some(&app.admin_token), json!({"url": url, "events": ["product.created"]})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = created.body["id"].as_str().unwrap().to_owned();
    let read = app.get(&format!("/api/v1/webhooks/{id}"), Some(&app.admin_token)).await;
    assert!(read.body.get("secret").is_none());

    app.create_product("Teapot", 100, 1).await;
    wait_for(&got, 3).await;
    let all = got.0.lock().unwrap().clone();
    assert_eq!(all.len(), 3, "failed twice, then accepted");
    let (signature, kind, body) = &all[2];
    assert_eq!(kind, "product.created");
    let (t, v1) = signature.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    assert_eq!(v1, hmac_hex(&secret, &format!("{t}.{body}")));
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["data"]["name"], "Teapot");

    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let log = app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&app.admin_token)).await;
    assert_eq!(log.body["items"][0]["status"], "succeeded", "{}", log.text);
    assert_eq!(log.body["items"][0]["attempts"], 3);
    let delivery = log.body["items"][0]["id"].as_str().unwrap();
    let retried = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/retry"),
            Some(&app.admin_token),
            None,
            &[],
        )
        .await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.text);
    wait_for(&got, 4).await;

    // The queue is visible: deliveries by status, the outbox's backlog, and
    // how long after its event a delivery arrived.
    let metrics = app.get("/metrics", None).await.text;
    let gauge = |name: &str| {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()))
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{metrics}"))
    };
    assert!(gauge("zonmart_webhook_deliveries{status=\"succeeded\"}") >= 1.0);
    assert_eq!(gauge("zonmart_webhook_deliveries{status=\"failed\"}"), 0.0);
    assert_eq!(gauge("zonmart_outbox_backlog_events"), 0.0, "every event was fanned out");
    assert!(gauge("zonmart_webhook_delivery_latency_seconds_count") >= 1.0);
}

#[actix_web::test]
async fn a_disabled_subscription_gets_nothing() {
    let app = app_delivering_to_loopback().await;
    let (url, got) = receiver(0).await;
    let created = app.post("/api/v1/webhooks", Some(&app.admin_token), json!({"url": url, "events": ["*"]})).await;
    let id = created.body["id"].as_str().unwrap();
    let off = app
        .patch(&format!("/api/v1/webhooks/{id}"), &app.admin_token, json!({"enabled": false}), Stated::InBody(1))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    app.create_product("Teapot", 100, 1).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(got.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn a_receiver_that_hangs_past_the_timeout_is_retried() {
    let app = app_delivering_to_loopback().await;
    let hanging = HttpServer::new(|| {
        App::new().default_service(web::to(|| async {
            actix_web::rt::time::sleep(std::time::Duration::from_secs(5)).await;
            HttpResponse::NoContent().finish()
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = hanging.addrs()[0].port();
    actix_web::rt::spawn(hanging.run());
    let created = app
        .post(
            "/api/v1/webhooks",
            Some(&app.admin_token),
            json!({"url": format!("http://127.0.0.1:{port}/"), "events": ["*"]}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap();
    app.create_product("Teapot", 100, 1).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    let log = app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&app.admin_token)).await;
    let first = &log.body["items"][0];
    assert_eq!(first["status"], "pending", "{}", log.text);
    assert!(first["attempts"].as_i64().unwrap() >= 1);
    assert!(first["last_error"].as_str().unwrap().contains("timeout"), "{first}");
}

#[actix_web::test]
async fn private_targets_are_refused_unless_allowed() {
    let app = spawn_app().await;
    for url in
        ["http://127.0.0.1:9/x", "http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/", "http://localhost/"]
    {
        let reply = app.post("/api/v1/webhooks", Some(&app.admin_token), json!({"url": url, "events": ["*"]})).await;
        reply.assert_problem(400, "validation_failed");
        assert_eq!(reply.fields(), ["url"], "{url}");
    }
    let reply = app.post("/api/v1/webhooks", Some(&app.admin_token), json!({"url": "ftp://x", "events": []})).await;
    assert_eq!(reply.fields(), ["url", "events"]);
    let (_, customer) = app.register("carol").await;
    app.post("/api/v1/webhooks", Some(&customer), json!({"url": "https://example.com/", "events": ["*"]}))
        .await
        .assert_problem(403, "forbidden");
}
