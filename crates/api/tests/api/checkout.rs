//! The checkout over HTTP: addresses, shipping methods, tax rates, discount
//! codes, quotes, and orders that use them, with every error code API.md
//! gives them.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// An admin's shop: shipping to DE and FR, 19 % in DE (shipping taxed), and
/// a 10 % code; a 12.50 teapot.
async fn shop(app: &TestApp) -> (Value, Value) {
    let admin = Some(app.admin_token.as_str());
    let method = app
        .post(
            "/api/v1/shipping-methods",
            admin,
            json!({"name": "Parcel", "price_cents": 490, "countries": ["de", "FR"]}),
        )
        .await;
    assert_eq!(method.status, StatusCode::CREATED, "{}", method.text);
    let rate = app
        .post("/api/v1/tax-rates", admin, json!({"country": "DE", "rate_bp": 1900, "includes_shipping": true}))
        .await;
    assert_eq!(rate.status, StatusCode::CREATED, "{}", rate.text);
    let code = app
        .post(
            "/api/v1/discounts",
            admin,
            json!({"code": "save10", "kind": "percent", "value": 10, "max_uses": 100, "max_uses_per_user": 1}),
        )
        .await;
    assert_eq!(code.status, StatusCode::CREATED, "{}", code.text);
    assert_eq!((code.body["code"].as_str(), code.body["uses"].as_i64()), (Some("SAVE10"), Some(0)));
    (method.body, app.create_product("Teapot", 1250, 10).await)
}

#[actix_web::test]
async fn a_customer_quotes_then_orders_with_address_shipping_tax_and_code_and_the_numbers_match() {
    let app = spawn_app().await;
    let (method, teapot) = shop(&app).await;
    let (_, token) = app.register("alice").await;
    let address = app
        .post(
            "/api/v1/addresses",
            Some(&token),
            json!({"name": "Ada", "line1": "Hauptstr. 1", "city": "Berlin", "country": "de"}),
        )
        .await;
    assert_eq!(address.status, StatusCode::CREATED, "{}", address.text);
    assert_eq!(address.body["country"], "DE");
    let body = json!({
        "items": [{"product_id": id(&teapot), "quantity": 2}],
        "shipping_address_id": id(&address.body),
        "shipping_method_id": id(&method),
        "discount_code": "Save10",
    });
    let quote = app.post("/api/v1/checkout/quote", Some(&token), body.clone()).await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    let amounts = |v: &Value| {
        ["subtotal_cents", "discount_cents", "shipping_cents", "tax_cents", "total_cents"]
            .map(|k| v[k].as_i64().unwrap())
    };
    assert_eq!(amounts(&quote.body), [2500, 250, 490, 521, 3261]);
    assert_eq!(app.product(&id(&teapot)).await["stock"], 10, "a quote takes nothing");

    let order = app.post("/api/v1/orders", Some(&token), body.clone()).await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(amounts(&order.body), amounts(&quote.body));
    assert_eq!(order.body["items"], quote.body["items"]);
    assert_eq!(order.body["shipping_address"]["city"], "Berlin");
    assert!(order.body["shipping_address"].get("id").is_none(), "a snapshot, without id");
    assert_eq!(order.body["shipping_method"], json!({"id": id(&method), "name": "Parcel", "price_cents": 490}));
    assert_eq!(order.body["discount_code"], "SAVE10");
    assert_eq!((order.body["paid_at"].clone(), order.body["cancel_reason"].clone()), (Value::Null, Value::Null));

    // The code's one use per customer is taken: the quote says so, as placing would.
    let again = app.post("/api/v1/checkout/quote", Some(&token), body.clone()).await;
    again.assert_problem(409, "discount_unavailable");
    assert_eq!(again.body["reason"], "already_used");

    // Cancelling gives it back, and says who cancelled.
    let path = format!("/api/v1/orders/{}", id(&order.body));
    let cancelled = app.patch(&path, &token, json!({"status": "cancelled"}), Stated::InBody(1)).await;
    assert_eq!(cancelled.body["cancel_reason"], "customer", "{}", cancelled.text);
    assert_eq!(app.post("/api/v1/checkout/quote", Some(&token), body).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_old_order_without_the_new_fields_costs_its_lines() {
    let app = spawn_app().await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let reply = app.order(&token, &[(&id(&tea), 3)]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    for (field, expected) in [("subtotal_cents", json!(750)), ("discount_cents", json!(0)), ("total_cents", json!(750))]
    {
        assert_eq!(reply.body[field], expected, "{field}");
    }
    assert_eq!(reply.body["shipping_address"], Value::Null);
}

#[actix_web::test]
async fn checkout_refusals_have_their_codes() {
    let app = spawn_app().await;
    let (method, teapot) = shop(&app).await;
    let (_, token) = app.register("alice").await;
    let (_, bob) = app.register("bob").await;
    let bobs = app
        .post(
            "/api/v1/addresses",
            Some(&bob),
            json!({"name": "Bob", "line1": "1 Main St", "city": "Paris", "country": "FR"}),
        )
        .await;
    let items = json!([{"product_id": id(&teapot), "quantity": 1}]);
    let address = json!({"name": "Ada", "line1": "1 Main St", "city": "Boston", "country": "US"});

    let cases = [
        (json!({"items": items, "shipping_method_id": id(&method)}), 400, "validation_failed"),
        (
            json!({"items": items, "shipping_address": address, "shipping_address_id": id(&bobs.body)}),
            400,
            "validation_failed",
        ),
        (
            json!({"items": items, "shipping_address": {"name": "A", "line1": "B", "city": "C", "country": "XX"}}),
            400,
            "validation_failed",
        ),
        (json!({"items": items, "shipping_address_id": id(&bobs.body)}), 404, "not_found"),
        (
            json!({"items": items, "shipping_address": address, "shipping_method_id": id(&method)}),
            409,
            "shipping_unavailable",
        ),
        (json!({"items": items, "discount_code": "NOSUCH"}), 409, "discount_unavailable"),
    ];
    for (body, status, code) in cases {
        for path in ["/api/v1/checkout/quote", "/api/v1/orders"] {
            let reply = app.post(path, Some(&token), body.clone()).await;
            reply.assert_problem(status, code);
        }
    }
    let unknown = app.post("/api/v1/orders", Some(&token), json!({"items": items, "discount_code": "NOSUCH"})).await;
    assert_eq!(unknown.body["reason"], "unknown");
    let bad = app
        .post(
            "/api/v1/orders",
            Some(&token),
            json!({"items": items, "shipping_address": {"name": "A", "line1": "B", "city": "C", "country": "XX"}}),
        )
        .await;
    assert_eq!(bad.fields(), ["shipping_address.country"]);
    assert_eq!(app.product(&id(&teapot)).await["stock"], 10, "nothing was taken");
    assert_eq!(
        app.post("/api/v1/checkout/quote", None, json!({"items": items})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn another_customers_address_is_404_and_writes_are_versioned() {
    let app = spawn_app().await;
    let (_, alice) = app.register("alice").await;
    let (_, bob) = app.register("bob").await;
    let address = app
        .post("/api/v1/addresses", Some(&alice), json!({"name": "Ada", "line1": "x", "city": "y", "country": "DE"}))
        .await;
    let path = format!("/api/v1/addresses/{}", id(&address.body));
    app.get(&path, Some(&bob)).await.assert_problem(404, "not_found");
    app.patch(&path, &alice, json!({"city": "z"}), Stated::Not).await.assert_problem(428, "precondition_required");
    app.patch(&path, &alice, json!({"city": "z"}), Stated::etag(7)).await.assert_problem(412, "version_conflict");
    let changed = app.patch(&path, &alice, json!({"city": "Hamburg", "phone": null}), Stated::InBody(1)).await;
    assert_eq!(
        (changed.status, changed.body["city"].clone(), changed.body["version"].clone()),
        (StatusCode::OK, json!("Hamburg"), json!(2))
    );
    app.patch(&path, &alice, json!({"citty": "z"}), Stated::InBody(2)).await.assert_problem(400, "validation_failed");
    let mine = app.get("/api/v1/addresses", Some(&alice)).await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.get("/api/v1/addresses", Some(&bob)).await.body["items"], json!([]));
    let deleted = app.delete(&path, &alice, Stated::etag(2)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&path, Some(&alice)).await.assert_problem(404, "not_found");
    app.write(Method::PUT, "/api/v1/addresses", &alice, None, Stated::Not)
        .await
        .assert_problem(405, "method_not_allowed");
}

#[actix_web::test]
async fn shop_resources_are_admin_written_and_shipping_is_listed_by_country() {
    let app = spawn_app().await;
    let (method, _) = shop(&app).await;
    let (_, token) = app.register("alice").await;
    let forbidden = [
        ("/api/v1/shipping-methods", json!({"name": "X", "price_cents": 1})),
        ("/api/v1/tax-rates", json!({"country": "FR", "rate_bp": 2000, "includes_shipping": false})),
        ("/api/v1/discounts", json!({"code": "MINE", "kind": "percent", "value": 50})),
    ];
    for (path, body) in forbidden {
        app.post(path, Some(&token), body).await.assert_problem(403, "forbidden");
    }
    app.get("/api/v1/discounts", Some(&token)).await.assert_problem(403, "forbidden");
    let admin = Some(app.admin_token.as_str());
    app.post("/api/v1/tax-rates", admin, json!({"country": "de", "rate_bp": 700, "includes_shipping": false}))
        .await
        .assert_problem(409, "duplicate");
    app.post("/api/v1/tax-rates", admin, json!({"country": "DE", "rate_bp": 10001, "includes_shipping": false}))
        .await
        .assert_problem(400, "validation_failed");
    app.post("/api/v1/discounts", admin, json!({"code": "SAVE10", "kind": "percent", "value": 5}))
        .await
        .assert_problem(409, "duplicate");
    let fixed = app.post("/api/v1/discounts", admin, json!({"code": "FIVE", "kind": "fixed", "value": 500})).await;
    fixed.assert_problem(400, "validation_failed");
    assert_eq!(fixed.fields(), ["currency"]);

    let listed = |country: &str| format!("/api/v1/shipping-methods?country={country}");
    assert_eq!(app.get(&listed("DE"), None).await.body["items"][0]["id"], method["id"]);
    assert_eq!(app.get(&listed("US"), None).await.body["items"], json!([]));
    app.get(&listed("XX"), None).await.assert_problem(400, "validation_failed");
    let path = format!("/api/v1/shipping-methods/{}", id(&method));
    let archived = app.delete(&path, &app.admin_token, Stated::etag(1)).await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path, None).await.body["archived"], true);
    assert_eq!(app.get(&listed("DE"), None).await.body["items"], json!([]));
    let codes = app.get("/api/v1/discounts?q=sav", admin).await;
    assert_eq!(codes.body["items"][0]["code"], "SAVE10");
}

#[actix_web::test]
async fn the_openapi_document_lists_the_checkout() {
    let app = spawn_app().await;
    let doc = app.get("/api-docs/openapi.json", None).await.body;
    for path in [
        "/api/v1/checkout/quote",
        "/api/v1/addresses",
        "/api/v1/addresses/{id}",
        "/api/v1/shipping-methods",
        "/api/v1/shipping-methods/{id}",
        "/api/v1/tax-rates",
        "/api/v1/tax-rates/{id}",
        "/api/v1/discounts",
        "/api/v1/discounts/{id}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
    let order = &doc["components"]["schemas"]["OrderBody"]["properties"];
    for field in
        ["subtotal_cents", "discount_cents", "shipping_cents", "tax_cents", "shipping_address", "cancel_reason"]
    {
        assert!(order.get(field).is_some(), "{field}");
    }
}
