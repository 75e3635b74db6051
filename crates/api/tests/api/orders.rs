//! Orders over HTTP: placing, stock, state machine, ownership, idempotency,
//! and never overselling under concurrency on both databases.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[actix_web::test]
async fn an_order_copies_prices_takes_stock_and_totals() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let mug = app.create_product("Mug", 700, 5).await;
    let reply = app.order(&token, &[(id(&tea), 3), (id(&mug), 1)]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let order = &reply.body;
    assert_eq!(reply.header("location"), Some(format!("/api/v1/orders/{}", id(order)).as_str()));
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(order["user_id"], alice["id"]);
    assert_eq!(order["status"], "pending");
    assert_eq!(order["items"][0]["name"], "Tea");
    assert_eq!(order["items"][0]["unit_price_cents"], 250);
    assert_eq!(order["items"][0]["line_total_cents"], 750);
    assert_eq!(order["total_cents"], 1450);
    assert_eq!(order["currency"], "USD");
    assert_eq!(app.product(id(&tea)).await["stock"], 7);
    assert_eq!(app.product(id(&mug)).await["stock"], 4);

    // A later price change does not touch the order.
    let path = format!("/api/v1/products/{}", id(&tea));
    app.patch(&path, &app.admin_token, json!({"price_cents": 999}), Stated::etag(2)).await;
    let again = app.get(&format!("/api/v1/orders/{}", id(order)), Some(&token)).await;
    assert_eq!(again.body["items"][0]["unit_price_cents"], 250);
}

#[actix_web::test]
async fn not_enough_stock_refuses_the_whole_order_naming_the_products() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let mug = app.create_product("Mug", 700, 1).await;
    let reply = app.order(&token, &[(id(&tea), 2), (id(&mug), 2)]).await;
    reply.assert_problem(409, "insufficient_stock");
    assert_eq!(reply.body["product_ids"], json!([id(&mug)]));
    assert_eq!(app.product(id(&tea)).await["stock"], 10, "nothing was taken");
    let mine = app.get("/api/v1/orders", Some(&token)).await;
    assert_eq!(mine.body["items"], json!([]));
}

#[actix_web::test]
async fn unknown_or_archived_products_are_unavailable() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let old = app.create_product("Old", 100, 10).await;
    app.delete(&format!("/api/v1/products/{}", id(&old)), &app.admin_token, Stated::etag(1)).await;
    let ghost = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let reply = app.order(&token, &[(id(&tea), 1), (id(&old), 1), (ghost, 1)]).await;
    reply.assert_problem(409, "product_unavailable");
    assert_eq!(reply.body["product_ids"], json!([id(&old), ghost]));
    assert_eq!(app.product(id(&tea)).await["stock"], 10);
}

#[actix_web::test]
async fn malformed_orders_are_400_naming_the_line() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    for (body, field) in [
        (json!({"items": []}), "items"),
        (json!({"items": [{"product_id": id(&tea), "quantity": 0}]}), "items.0.quantity"),
        (json!({"items": [{"product_id": id(&tea), "quantity": 1.0}]}), "items.0.quantity"),
        (json!({"items": [{"product_id": "nope", "quantity": 1}]}), "items.0.product_id"),
        (
            json!({"items": [{"product_id": id(&tea), "quantity": 1}, {"product_id": id(&tea), "quantity": 2}]}),
            "items.1.product_id",
        ),
        (json!({"from_cart": false}), "items"),
        (json!({}), "items"),
    ] {
        let reply = app.post("/api/v1/orders", Some(&token), body.clone()).await;
        reply.assert_problem(400, "validation_failed");
        assert_eq!(reply.fields(), [field], "{body}");
    }
}

#[actix_web::test]
async fn ordering_the_cart_empties_it_and_an_empty_cart_is_400() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    app.get("/api/v1/cart", Some(&token)).await;
    let path = format!("/api/v1/cart/items/{}", id(&tea));
    app.put(&path, &token, json!({"quantity": 4}), Stated::InBody(1)).await;
    let reply = app.post("/api/v1/orders", Some(&token), json!({"from_cart": true})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["total_cents"], 1000);
    let cart = app.get("/api/v1/cart", Some(&token)).await;
    assert_eq!((cart.body["items"].clone(), cart.body["version"].as_i64()), (json!([]), Some(3)));
    assert_eq!(app.product(id(&tea)).await["stock"], 6);
    let empty = app.post("/api/v1/orders", Some(&token), json!({"from_cart": true})).await;
    empty.assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn a_customer_cancels_their_pending_order_and_the_stock_comes_back() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let order = app.order(&token, &[(id(&tea), 4)]).await.body;
    let path = format!("/api/v1/orders/{}", id(&order));
    let paid = app.patch(&path, &token, json!({"status": "paid"}), Stated::InBody(1)).await;
    paid.assert_problem(403, "forbidden");
    let cancelled = app.patch(&path, &token, json!({"status": "cancelled"}), Stated::etag(1)).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!((cancelled.body["status"].as_str(), cancelled.body["version"].as_i64()), (Some("cancelled"), Some(2)));
    assert_eq!(app.product(id(&tea)).await["stock"], 10);
    let again = app.patch(&path, &token, json!({"status": "cancelled"}), Stated::InBody(2)).await;
    again.assert_problem(409, "invalid_transition");
    assert_eq!(app.product(id(&tea)).await["stock"], 10, "no double restock");
}

#[actix_web::test]
async fn an_admin_moves_an_order_through_its_life_and_deletes_only_cancelled_ones() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let order = app.order(&token, &[(id(&tea), 1)]).await.body;
    let path = format!("/api/v1/orders/{}", id(&order));
    for (n, status) in ["paid", "shipped", "delivered"].into_iter().enumerate() {
        let reply = app.patch(&path, &app.admin_token, json!({"status": status, "version": n + 1}), Stated::Not).await;
        assert_eq!(reply.status, StatusCode::OK, "{status}: {}", reply.text);
    }
    let back = app.patch(&path, &app.admin_token, json!({"status": "cancelled"}), Stated::InBody(4)).await;
    back.assert_problem(409, "invalid_transition");
    app.delete(&path, &app.admin_token, Stated::etag(4)).await.assert_problem(409, "invalid_transition");

    let second = app.order(&token, &[(id(&tea), 1)]).await.body;
    let second_path = format!("/api/v1/orders/{}", id(&second));
    app.patch(&second_path, &token, json!({"status": "cancelled"}), Stated::InBody(1)).await;
    app.delete(&second_path, &token, Stated::etag(2)).await.assert_problem(403, "forbidden");
    let deleted = app.delete(&second_path, &app.admin_token, Stated::etag(2)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&second_path, Some(&app.admin_token)).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn customers_see_only_their_orders_admins_see_and_filter_all() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.register("alice").await;
    let (_, bob_token) = app.register("bob").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let alices = app.order(&alice_token, &[(id(&tea), 1)]).await.body;
    app.order(&bob_token, &[(id(&tea), 1)]).await;

    app.get(&format!("/api/v1/orders/{}", id(&alices)), Some(&bob_token)).await.assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/orders", Some(&bob_token)).await.body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/orders?user_id={}", id(&alice)), Some(&bob_token)).await.assert_problem(403, "forbidden");
    let all = app.get("/api/v1/orders", Some(&app.admin_token)).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let only_alice = app.get(&format!("/api/v1/orders?user_id={}", id(&alice)), Some(&app.admin_token)).await;
    assert_eq!(only_alice.body["items"].as_array().unwrap().len(), 1);
    let pending = app.get("/api/v1/orders?status=pending", Some(&app.admin_token)).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 2);
    app.get("/api/v1/orders?status=lost", Some(&app.admin_token)).await.assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn an_idempotency_key_replays_the_first_answer_and_creates_nothing_more() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let body = json!({"items": [{"product_id": id(&tea), "quantity": 2}]});
    let key = Some("checkout-42");
    let first = app.place_order(&token, body.clone(), key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = app.place_order(&token, body, key).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.text, first.text);
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(app.product(id(&tea)).await["stock"], 8);

    let other = json!({"items": [{"product_id": id(&tea), "quantity": 3}]});
    app.place_order(&token, other, key).await.assert_problem(409, "duplicate");
    let bad_key = app.place_order(&token, json!({"from_cart": true}), Some("")).await;
    bad_key.assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn a_failed_attempt_can_be_retried_with_the_same_key() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 1).await;
    let body = json!({"items": [{"product_id": id(&tea), "quantity": 2}]});
    let key = Some("retry-me");
    app.place_order(&token, body.clone(), key).await.assert_problem(409, "insufficient_stock");
    let path = format!("/api/v1/products/{}", id(&tea));
    app.patch(&path, &app.admin_token, json!({"stock": 5}), Stated::etag(1)).await;
    let retried = app.place_order(&token, body, key).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.text);
}

/// A disabled customer's token is still valid for minutes: placing an order
/// (checked inside its transaction) and replaying an earlier one are both
/// 401, and nothing changes.
async fn a_disabled_customer_cannot_order_or_replay(app: TestApp) {
    let (alice, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let body = json!({"items": [{"product_id": id(&tea), "quantity": 1}]});
    let key = Some("before-disabling");
    let first = app.place_order(&token, body.clone(), key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let path = format!("/api/v1/users/{}", id(&alice));
    let disabled = app.patch(&path, &app.admin_token, json!({"disabled": true}), Stated::InBody(1)).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);

    app.place_order(&token, body.clone(), None).await.assert_problem(401, "unauthorized");
    app.place_order(&token, body, key).await.assert_problem(401, "unauthorized");
    assert_eq!(app.product(id(&tea)).await["stock"], 9, "only the first order took stock");
    let listed = app.get(&format!("/api/v1/orders?user_id={}", id(&alice)), Some(&app.admin_token)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_disabled_customer_cannot_order_or_replay_on_sqlite() {
    a_disabled_customer_cannot_order_or_replay(spawn_app().await).await;
}

#[actix_web::test]
async fn a_disabled_customer_cannot_order_or_replay_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        a_disabled_customer_cannot_order_or_replay(app).await;
    }
}

/// 50 buyers at once for a product with 10 in stock: exactly 10 orders, the
/// rest told there is not enough, stock ends at 0.
async fn fifty_buyers_for_ten_units(app: TestApp) {
    let (_, token) = app.register("crowd").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let tea_id = id(&tea).to_owned();
    let attempts = (0..50).map(|_| {
        let (app, token, tea_id) = (&app, &token, &tea_id);
        async move { app.order(token, &[(tea_id, 1)]).await }
    });
    let replies = futures_util::future::join_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == StatusCode::CREATED).count();
    for refused in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        refused.assert_problem(409, "insufficient_stock");
    }
    assert_eq!(created, 10);
    assert_eq!(app.product(&tea_id).await["stock"], 0);
    let orders = app.get("/api/v1/orders?limit=100", Some(&token)).await;
    assert_eq!(orders.body["items"].as_array().unwrap().len(), 10);
}

#[actix_web::test]
async fn fifty_concurrent_buyers_never_oversell_on_sqlite() {
    fifty_buyers_for_ten_units(spawn_app_on_sqlite_file().await).await;
}

#[actix_web::test]
async fn fifty_concurrent_buyers_never_oversell_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        fifty_buyers_for_ten_units(app).await;
    }
}

/// Two-line orders in opposite product order at once: no deadlock, no 500.
async fn crossing_orders_never_deadlock(app: TestApp) {
    let (_, token) = app.register("crowd").await;
    let a = app.create_product("A", 100, 1000).await;
    let b = app.create_product("B", 100, 1000).await;
    let (a, b) = (id(&a).to_owned(), id(&b).to_owned());
    let attempts = (0..20).map(|n| {
        let lines: Vec<(&str, i64)> = if n % 2 == 0 { vec![(&a, 1), (&b, 2)] } else { vec![(&b, 2), (&a, 1)] };
        let (app, token) = (&app, &token);
        async move { app.order(token, &lines).await }
    });
    let replies = futures_util::future::join_all(attempts).await;
    assert!(
        replies.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        replies.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>()
    );
    assert_eq!(app.product(&a).await["stock"], 1000 - 20);
    assert_eq!(app.product(&b).await["stock"], 1000 - 40);
}

#[actix_web::test]
async fn crossing_orders_never_deadlock_on_sqlite() {
    crossing_orders_never_deadlock(spawn_app_on_sqlite_file().await).await;
}

#[actix_web::test]
async fn crossing_orders_never_deadlock_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        crossing_orders_never_deadlock(app).await;
    }
}

/// The same key sent ten times at once creates one order; every answer is
/// that order or a "still in progress" 409.
async fn one_key_ten_times_at_once(app: TestApp) {
    let (_, token) = app.register("crowd").await;
    let tea = app.create_product("Tea", 250, 100).await;
    let body = json!({"items": [{"product_id": id(&tea), "quantity": 1}]});
    let attempts = (0..10).map(|_| app.place_order(&token, body.clone(), Some("same")));
    let replies = futures_util::future::join_all(attempts).await;
    let created: Vec<_> = replies.iter().filter(|r| r.status == StatusCode::CREATED).collect();
    assert!(!created.is_empty());
    assert!(created.iter().all(|r| r.body["id"] == created[0].body["id"]), "one order id for all");
    for other in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        other.assert_problem(409, "duplicate");
    }
    assert_eq!(app.product(id(&tea)).await["stock"], 99);
    assert_eq!(app.get("/api/v1/orders", Some(&token)).await.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn one_idempotency_key_at_once_creates_one_order_on_sqlite() {
    one_key_ten_times_at_once(spawn_app_on_sqlite_file().await).await;
}

#[actix_web::test]
async fn one_idempotency_key_at_once_creates_one_order_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        one_key_ten_times_at_once(app).await;
    }
}
