//! Service API keys and the event feed over HTTP.

use std::collections::HashSet;

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

impl TestApp {
    /// The admin creates a key with `scopes`; returns its JSON (with `key`).
    pub async fn create_api_key(&self, scopes: &[&str]) -> Value {
        let reply =
            self.post("/api/v1/api-keys", Some(&self.admin_token), json!({"name": "app", "scopes": scopes})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body
    }

    /// Follows the feed from `cursor` until caught up; returns the events and the last cursor.
    pub async fn follow_events(&self, token: &str, cursor: Option<String>, query: &str) -> (Vec<Value>, String) {
        let (mut events, mut cursor) = (Vec::new(), cursor);
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/events?limit=7&cursor={c}{query}"),
                None => format!("/api/v1/events?limit=7{query}"),
            };
            let page = self.get(&path, Some(token)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            let next = page.body["next_cursor"].as_str().expect("next_cursor is never null").to_owned();
            let items = page.body["items"].as_array().unwrap().clone();
            if items.is_empty() {
                return (events, next);
            }
            events.extend(items);
            cursor = Some(next);
        }
    }

    /// The feed once `count` events are visible (PostgreSQL shows an event
    /// once no older transaction of the cluster still runs), bounded.
    pub async fn events_once(&self, count: usize) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let (events, _) = self.follow_events(&self.admin_token, None, "").await;
            if events.len() >= count || std::time::Instant::now() > deadline {
                return events;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn an_api_key_is_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let created = app.create_api_key(&["orders:read", "events:read"]).await;
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("zk_") && key.len() >= 35, "{key}");
    assert_eq!(created["prefix"], key[..8]);
    assert_eq!(created["scopes"], json!(["orders:read", "events:read"]));
    assert_eq!((created["revoked"].clone(), created["version"].clone()), (json!(false), json!(1)));
    let id = created["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/api-keys/{id}"), Some(&app.admin_token)).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.get("key").is_none());
    let listed = app.get("/api/v1/api-keys", Some(&app.admin_token)).await;
    assert!(listed.body["items"][0].get("key").is_none());
    assert!(!listed.text.contains(key));
}

#[actix_web::test]
async fn a_key_acts_within_its_scopes_only() {
    let app = spawn_app().await;
    let reader = app.create_api_key(&["orders:read"]).await;
    let key = reader["key"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/orders", Some(key)).await.status, StatusCode::OK);
    let product = json!({"name": "Teapot", "price_cents": 1, "stock": 1});
    app.post("/api/v1/products", Some(key), product.clone()).await.assert_problem(403, "forbidden");
    app.get("/api/v1/events", Some(key)).await.assert_problem(403, "forbidden");
    let writer = app.create_api_key(&["catalog:write"]).await;
    let created = app.post("/api/v1/products", Some(writer["key"].as_str().unwrap()), product).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
}

#[actix_web::test]
async fn a_key_never_reaches_user_accounts() {
    let app = spawn_app().await;
    let all =
        app.create_api_key(&["catalog:write", "orders:read", "orders:write", "events:read", "webhooks:manage"]).await;
    let key = all["key"].as_str().unwrap();
    app.get("/api/v1/users", Some(key)).await.assert_problem(403, "forbidden");
    app.get("/api/v1/users/me", Some(key)).await.assert_problem(403, "forbidden");
    app.get("/api/v1/cart", Some(key)).await.assert_problem(403, "forbidden");
    app.get("/api/v1/api-keys", Some(key)).await.assert_problem(403, "forbidden");
    app.post("/api/v1/api-keys", Some(key), json!({"name": "x", "scopes": ["orders:read"]}))
        .await
        .assert_problem(403, "forbidden");
    let teapot = app.create_product("Teapot", 100, 5).await;
    app.order(key, &[(teapot["id"].as_str().unwrap(), 1)]).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_revoked_key_answers_401_at_once() {
    let app = spawn_app().await;
    let created = app.create_api_key(&["orders:read"]).await;
    let (id, key) = (created["id"].as_str().unwrap(), created["key"].as_str().unwrap());
    assert_eq!(app.get("/api/v1/orders", Some(key)).await.status, StatusCode::OK);
    let path = format!("/api/v1/api-keys/{id}");
    app.delete(&path, &app.admin_token, Stated::Not).await.assert_problem(428, "precondition_required");
    let revoked = app.delete(&path, &app.admin_token, Stated::etag(1)).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
    app.get("/api/v1/orders", Some(key)).await.assert_problem(401, "unauthorized");
    app.get("/api/v1/orders", Some("zk_not-a-key")).await.assert_problem(401, "unauthorized");
    // Also where a good key would be refused as a user-account call.
    app.get("/api/v1/users/me", Some(key)).await.assert_problem(401, "unauthorized");
    let teapot = app.create_product("Teapot", 100, 5).await;
    app.order(key, &[(teapot["id"].as_str().unwrap(), 1)]).await.assert_problem(401, "unauthorized");
    let read = app.get(&path, Some(&app.admin_token)).await;
    assert_eq!((read.body["revoked"].clone(), read.body["version"].clone()), (json!(true), json!(2)));
}

#[actix_web::test]
async fn a_key_records_its_last_use() {
    let app = spawn_app().await;
    let created = app.create_api_key(&["orders:read"]).await;
    assert_eq!(created["last_used_at"], Value::Null);
    app.get("/api/v1/orders", Some(created["key"].as_str().unwrap())).await;
    let read = app.get(&format!("/api/v1/api-keys/{}", created["id"].as_str().unwrap()), Some(&app.admin_token)).await;
    assert!(read.body["last_used_at"].is_string(), "{}", read.text);
    assert_eq!(read.body["version"], 1, "a use is not a change");
}

#[actix_web::test]
async fn invalid_keys_are_refused_field_by_field() {
    let app = spawn_app().await;
    let reply = app.post("/api/v1/api-keys", Some(&app.admin_token), json!({"name": "", "scopes": []})).await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), ["name", "scopes"]);
    let reply = app.post("/api/v1/api-keys", Some(&app.admin_token), json!({"name": "a", "scopes": ["root"]})).await;
    reply.assert_problem(400, "validation_failed");
    let (_, customer) = app.register("carol").await;
    app.post("/api/v1/api-keys", Some(&customer), json!({"name": "a", "scopes": ["orders:read"]}))
        .await
        .assert_problem(403, "forbidden");
    app.write(Method::PUT, "/api/v1/api-keys", &app.admin_token, None, Stated::Not)
        .await
        .assert_problem(405, "method_not_allowed");
}

async fn the_changes_of_a_shop_day_are_in_the_feed(app: TestApp) {
    let (alice, token) = app.register("alice").await;
    let teapot = app.create_product("Teapot", 1999, 5).await;
    let teapot_id = teapot["id"].as_str().unwrap();
    let placed = app.order(&token, &[(teapot_id, 2)]).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
    let order_id = placed.body["id"].as_str().unwrap();
    let paid = app
        .patch(&format!("/api/v1/orders/{order_id}"), &app.admin_token, json!({"status": "paid"}), Stated::InBody(1))
        .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);

    // The first admin, alice, the teapot, the order placed and paid.
    let events = app.events_once(5).await;
    assert_eq!(types(&events), ["user.registered", "user.registered", "product.created", "order.placed", "order.paid"]);
    let registered = &events[1];
    assert_eq!(registered["resource"], json!({"type": "user", "id": alice["id"], "version": 1}));
    assert_eq!(registered["data"]["username"], "alice");
    assert!(!registered.to_string().contains("hash"), "{registered}");
    assert_eq!(events[3]["data"]["total_cents"], 3998);
    assert_eq!(events[4]["resource"], json!({"type": "order", "id": order_id, "version": 2}));
    assert_eq!(events[4]["data"]["status"], "paid");

    let only = app.follow_events(&app.admin_token, None, "&type=order.paid,product.created").await.0;
    assert_eq!(types(&only), ["product.created", "order.paid"]);
    let (_, end) = app.follow_events(&app.admin_token, None, "").await;
    let caught_up = app.get(&format!("/api/v1/events?cursor={end}"), Some(&app.admin_token)).await;
    assert_eq!((caught_up.body["items"].clone(), caught_up.body["next_cursor"].clone()), (json!([]), json!(end)));
}

#[actix_web::test]
async fn the_feed_lists_every_change_in_order_on_sqlite() {
    the_changes_of_a_shop_day_are_in_the_feed(spawn_app().await).await;
}

#[actix_web::test]
async fn the_feed_lists_every_change_in_order_on_postgres() {
    let Some(app) = spawn_app_on_postgres().await else { return };
    the_changes_of_a_shop_day_are_in_the_feed(app).await;
}

#[actix_web::test]
async fn bad_feed_parameters_are_400_and_customers_403() {
    let app = spawn_app().await;
    for query in ["limit=0", "limit=1001", "cursor=nope", "type=order.refunded"] {
        app.get(&format!("/api/v1/events?{query}"), Some(&app.admin_token))
            .await
            .assert_problem(400, "validation_failed");
    }
    let (_, customer) = app.register("carol").await;
    app.get("/api/v1/events", Some(&customer)).await.assert_problem(403, "forbidden");
    app.get("/api/v1/events", None).await.assert_problem(401, "unauthorized");
}

/// 30 orders placed at once while a consumer follows the cursors: it sees
/// each `order.placed` exactly once.
async fn a_consumer_following_the_cursors_sees_each_event_once(app: TestApp) {
    let app = std::rc::Rc::new(app);
    let reader = app.create_api_key(&["events:read"]).await["key"].as_str().unwrap().to_owned();
    let teapot = app.create_product("Teapot", 100, 1000).await["id"].as_str().unwrap().to_owned();
    let (_, token) = app.register("alice").await;
    let (_, start) = app.follow_events(&reader, None, "").await;

    let orders: Vec<_> = (0..30)
        .map(|_| {
            let (app, token, teapot) = (app.clone(), token.clone(), teapot.clone());
            actix_web::rt::spawn(async move { app.order(&token, &[(&teapot, 1)]).await })
        })
        .collect();
    let consumer = {
        let (app, reader) = (app.clone(), reader.clone());
        actix_web::rt::spawn(async move {
            let (mut seen, mut cursor) = (Vec::new(), start);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while seen.len() < 30 && std::time::Instant::now() < deadline {
                let (events, next) = app.follow_events(&reader, Some(cursor.clone()), "&type=order.placed").await;
                seen.extend(events.into_iter().map(|e| e["resource"]["id"].as_str().unwrap().to_owned()));
                cursor = next;
            }
            // A moment more: nothing else may arrive.
            actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
            seen.extend(
                app.follow_events(&reader, Some(cursor), "&type=order.placed")
                    .await
                    .0
                    .into_iter()
                    .map(|e| e["resource"]["id"].as_str().unwrap().to_owned()),
            );
            seen
        })
    };
    let mut placed = HashSet::new();
    for order in orders {
        let reply = order.await.unwrap();
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        placed.insert(reply.body["id"].as_str().unwrap().to_owned());
    }
    let seen = consumer.await.unwrap();
    assert_eq!(seen.len(), 30, "each event once: {seen:?}");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), placed);
}

#[actix_web::test]
async fn the_feed_is_exactly_once_under_concurrent_orders_on_sqlite() {
    a_consumer_following_the_cursors_sees_each_event_once(spawn_app_on_sqlite_file().await).await;
}

#[actix_web::test]
async fn the_feed_is_exactly_once_under_concurrent_orders_on_postgres() {
    let Some(app) = spawn_app_on_postgres().await else { return };
    a_consumer_following_the_cursors_sees_each_event_once(app).await;
}
