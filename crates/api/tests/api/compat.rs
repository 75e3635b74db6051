//! The original Zonmart's paths: a seed client's whole flow, unchanged, and
//! each path's rules.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

async fn seed_token(app: &TestApp, username: &str, password: &str) -> String {
    let form = format!("username={username}&password={password}").into_bytes();
    let reply = app.send_raw(Method::POST, "/token", None, "application/x-www-form-urlencoded", form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["token_type"], "bearer");
    reply.body["access_token"].as_str().unwrap().to_owned()
}

fn no_secrets(v: &Value) {
    let text = v.to_string();
    assert!(!text.contains("password") && !text.contains("$2"), "leaks a secret: {text}");
}

#[actix_web::test]
async fn a_seed_client_runs_its_whole_flow_unchanged() {
    let app = spawn_app().await;

    // Register and log in.
    let created = app
        .post(
            "/create_user/",
            None,
            json!({"username": "olduser", "password": "old password 1", "address": "1 Old Road"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    no_secrets(&created.body);
    let user_id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!((created.body["address"].as_str(), created.body["version"].as_i64()), (Some("1 Old Road"), Some(1)));
    let token = seed_token(&app, "olduser", "old password 1").await;

    // Update with the version, then a stale one.
    let path = format!("/users/{user_id}");
    let updated =
        app.put(&format!("{path}?current_version=1"), &token, json!({"address": "2 New Road"}), Stated::Not).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["version"], 2);
    let stale = app.put(&format!("{path}?current_version=1"), &token, json!({"address": "3"}), Stated::Not).await;
    stale.assert_problem(409, "version_conflict");
    assert_eq!(stale.body["current_version"], 2);
    assert_eq!(app.get(&path, Some(&token)).await.body["address"], "2 New Road");

    // The admin adds a product with a decimal price.
    let admin = seed_token(&app, ADMIN, ADMIN_PASSWORD).await;
    let product = app
        .post("/create_product/", Some(&admin), json!({"name": "Old teapot", "description": "Classic", "price": 19.99}))
        .await;
    assert_eq!(product.status, StatusCode::OK, "{}", product.text);
    assert_eq!((product.body["price"].as_f64(), product.body["price_cents"].as_i64()), (Some(19.99), Some(1999)));
    let product_id = product.body["id"].as_str().unwrap().to_owned();

    // List, add to cart, order, list orders.
    let home = app.post("/home?skip=0&limit=10", None, json!({})).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    assert_eq!(home.body.as_array().unwrap()[0]["id"], product_id);
    let cart = app.post("/user_carts/", Some(&token), json!({"user_id": user_id, "product_id": product_id})).await;
    assert_eq!(cart.status, StatusCode::OK, "{}", cart.text);
    assert_eq!(cart.body["items"][0]["quantity"], 1);
    let cart = app.post("/user_carts/", Some(&token), json!({"user_id": user_id, "product_id": product_id})).await;
    assert_eq!(cart.body["items"][0]["quantity"], 2);
    let order = app
        .call(
            Method::POST,
            &format!("/orders/?user_id={user_id}&product_id={product_id}&quantity=2"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.text);
    assert_eq!(order.body["total_cents"], 3998);
    let order_id = order.body["id"].as_str().unwrap().to_owned();
    let orders = app.get(&format!("/users/{user_id}/orders"), Some(&token)).await;
    assert_eq!(orders.status, StatusCode::OK);
    assert_eq!(orders.body.as_array().unwrap().len(), 1);

    // Cancel twice: the second is 404. Stock is back.
    let cancel = format!("/orders/{order_id}/cancel");
    let cancelled = app.write(Method::PUT, &cancel, &token, None, Stated::Not).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    app.write(Method::PUT, &cancel, &token, None, Stated::Not).await.assert_problem(404, "not_found");
    assert_eq!(app.product(&product_id).await["stock"], 1000);

    // Delete without a version, as old clients do.
    let deleted = app.delete(&path, &token, Stated::Not).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.body, json!({"message": "User deleted"}));
    app.get(&path, Some(&admin)).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_missing_current_version_on_put_is_409() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/users/{}", alice["id"].as_str().unwrap());
    let reply = app.put(&path, &token, json!({"address": "x"}), Stated::Not).await;
    reply.assert_problem(409, "version_conflict");
    assert_eq!(reply.body["current_version"], 1);
}

#[actix_web::test]
async fn a_versioned_seed_delete_refuses_a_stale_version() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let path = format!("/users/{}", alice["id"].as_str().unwrap());
    app.delete(&format!("{path}?current_version=5"), &token, Stated::Not).await.assert_problem(409, "version_conflict");
    let ok = app.delete(&format!("{path}?current_version=1"), &token, Stated::Not).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[actix_web::test]
async fn seed_paths_keep_v1_ownership_and_authentication() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (_, bob_token) = app.register("bob").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let alice_id = alice["id"].as_str().unwrap();
    app.get(&format!("/users/{alice_id}"), Some(&bob_token)).await.assert_problem(404, "not_found");
    app.get(&format!("/users/{alice_id}/orders"), Some(&bob_token)).await.assert_problem(404, "not_found");
    app.get(&format!("/users/{alice_id}"), None).await.assert_problem(401, "unauthorized");
    let tea_id = tea["id"].as_str().unwrap();
    let as_alice = app
        .call(
            Method::POST,
            &format!("/orders/?user_id={alice_id}&product_id={tea_id}&quantity=1"),
            Some(&bob_token),
            None,
            &[],
        )
        .await;
    as_alice.assert_problem(403, "forbidden");
    app.post("/user_carts/", Some(&bob_token), json!({"user_id": alice_id, "product_id": tea_id}))
        .await
        .assert_problem(403, "forbidden");
    app.post("/create_product/", Some(&bob_token), json!({"name": "X", "description": "y", "price": 1}))
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn seed_orders_are_refused_beyond_stock_or_for_missing_products() {
    let app = spawn_app().await;
    let (me, token) = app.register("alice").await;
    let me = me["id"].as_str().unwrap();
    let tea = app.create_product("Tea", 250, 1).await;
    let tea_id = tea["id"].as_str().unwrap();
    let too_many = app
        .call(Method::POST, &format!("/orders/?user_id={me}&product_id={tea_id}&quantity=2"), Some(&token), None, &[])
        .await;
    too_many.assert_problem(409, "insufficient_stock");
    let ghost = app
        .call(
            Method::POST,
            &format!("/orders/?user_id={me}&product_id=01ARZ3NDEKTSV4RRFFQ69G5FAV&quantity=1"),
            Some(&token),
            None,
            &[],
        )
        .await;
    ghost.assert_problem(409, "product_unavailable");
    app.call(Method::POST, &format!("/orders/?user_id={me}&product_id={tea_id}&quantity=0"), Some(&token), None, &[])
        .await
        .assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn seed_prices_must_be_exact_amounts() {
    let app = spawn_app().await;
    let admin = seed_token(&app, ADMIN, ADMIN_PASSWORD).await;
    for price in [json!(-1), json!(1.999), json!("12")] {
        let reply =
            app.post("/create_product/", Some(&admin), json!({"name": "X", "description": "y", "price": price})).await;
        reply.assert_problem(400, "validation_failed");
        assert_eq!(reply.fields(), ["price"]);
    }
    let exact =
        app.post("/create_product/", Some(&admin), json!({"name": "X", "description": "y", "price": 0.1})).await;
    assert_eq!(exact.body["price_cents"], 10);
}

#[actix_web::test]
async fn home_pages_with_skip_and_limit() {
    let app = spawn_app().await;
    for n in 0..5 {
        app.create_product(&format!("P{n}"), 100, 1).await;
    }
    let page = app.post("/home?skip=1&limit=2", None, json!({})).await;
    let names: Vec<&str> = page.body.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["P3", "P2"]);
    app.post("/home?skip=-1", None, json!({})).await.assert_problem(400, "validation_failed");
    app.post("/home?limit=0", None, json!({})).await.assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn seed_paths_are_deprecated_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc = app.get("/api-docs/openapi.json", None).await;
    for (path, method) in [
        ("/token", "post"),
        ("/create_user/", "post"),
        ("/users/{id}", "put"),
        ("/home", "post"),
        ("/orders/{order_id}/cancel", "put"),
    ] {
        assert_eq!(doc.body["paths"][path][method]["deprecated"], true, "{method} {path}");
    }
    assert!(doc.body["paths"]["/api/v1/orders"]["post"]["deprecated"].is_null());
}
