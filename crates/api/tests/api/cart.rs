//! The cart over HTTP.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn the_first_look_creates_an_empty_cart() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let cart = app.get("/api/v1/cart", Some(&token)).await;
    assert_eq!(cart.status, StatusCode::OK, "{}", cart.text);
    assert_eq!(cart.body["items"], json!([]));
    assert_eq!((cart.body["total_cents"].as_i64(), cart.body["currency"].as_str()), (Some(0), Some("USD")));
    assert_eq!(cart.header("etag"), Some("\"1\""));
}

#[actix_web::test]
async fn lines_are_set_priced_and_removed_at_the_cart_version() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let mug = app.create_product("Mug", 700, 10).await;
    let tea_path = format!("/api/v1/cart/items/{}", tea["id"].as_str().unwrap());
    let mug_path = format!("/api/v1/cart/items/{}", mug["id"].as_str().unwrap());
    app.get("/api/v1/cart", Some(&token)).await;

    let one = app.put(&tea_path, &token, json!({"quantity": 3}), Stated::etag(1)).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let two = app.put(&mug_path, &token, json!({"quantity": 1}), Stated::InBody(2)).await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.text);
    assert_eq!(two.body["total_cents"], 3 * 250 + 700);
    assert_eq!(two.body["items"][0]["line_total_cents"], 750);
    assert_eq!(two.body["version"], 3);
    assert_eq!(two.header("etag"), Some("\"3\""));

    let removed = app.delete(&tea_path, &token, Stated::etag(3)).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.body["total_cents"], 700);
    let cleared = app.delete("/api/v1/cart", &token, Stated::InBody(4)).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    assert_eq!((cleared.body["items"].clone(), cleared.body["version"].as_i64()), (json!([]), Some(5)));
}

#[actix_web::test]
async fn cart_writes_are_versioned() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let path = format!("/api/v1/cart/items/{}", tea["id"].as_str().unwrap());
    app.put(&path, &token, json!({"quantity": 1}), Stated::Not).await.assert_problem(428, "precondition_required");
    app.put(&path, &token, json!({"quantity": 1}), Stated::etag(7)).await.assert_problem(412, "version_conflict");
    app.delete("/api/v1/cart", &token, Stated::Not).await.assert_problem(428, "precondition_required");
}

#[actix_web::test]
async fn unknown_archived_and_absent_products_are_refused() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let old = app.create_product("Old", 100, 10).await;
    let old_id = old["id"].as_str().unwrap();
    let archived = app.delete(&format!("/api/v1/products/{old_id}"), &app.admin_token, Stated::etag(1)).await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);

    let unknown = "/api/v1/cart/items/01ARZ3NDEKTSV4RRFFQ69G5FAV";
    app.put(unknown, &token, json!({"quantity": 1}), Stated::InBody(1)).await.assert_problem(404, "not_found");
    let reply =
        app.put(&format!("/api/v1/cart/items/{old_id}"), &token, json!({"quantity": 1}), Stated::InBody(1)).await;
    reply.assert_problem(409, "product_unavailable");
    assert_eq!(reply.body["product_ids"], json!([old_id]));
    app.delete(unknown, &token, Stated::etag(1)).await.assert_problem(404, "not_found");
    app.put("/api/v1/cart/items/bad-id", &token, json!({"quantity": 1}), Stated::InBody(1))
        .await
        .assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn a_quantity_outside_one_to_a_thousand_is_400() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let path = format!("/api/v1/cart/items/{}", tea["id"].as_str().unwrap());
    for quantity in [json!(0), json!(1001), json!(2.5), json!("3")] {
        let reply = app.put(&path, &token, json!({"quantity": quantity}), Stated::InBody(1)).await;
        reply.assert_problem(400, "validation_failed");
        assert_eq!(reply.fields(), ["quantity"]);
    }
}

#[actix_web::test]
async fn the_cart_needs_a_login() {
    let app = spawn_app().await;
    app.get("/api/v1/cart", None).await.assert_problem(401, "unauthorized");
}
