//! The catalog over HTTP.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

fn names(reply: &Reply) -> Vec<String> {
    reply.body["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn an_admin_creates_a_product_anyone_reads_it() {
    let app = spawn_app().await;
    let body = json!({"name": "Teapot", "description": "Cast iron", "price_cents": 1999, "stock": 5, "sku": "TEA-1"});
    let created = app.post("/api/v1/products", Some(&app.admin_token), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(created.header("location"), Some(format!("/api/v1/products/{id}").as_str()));
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(created.body["currency"], "USD");
    assert_eq!(created.body["archived"], false);
    let read = app.get(&format!("/api/v1/products/{id}"), None).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["price_cents"], 1999);
}

#[actix_web::test]
async fn customers_and_strangers_cannot_write_the_catalog() {
    let app = spawn_app().await;
    let (_, token) = app.register("carol").await;
    let body = json!({"name": "Teapot", "price_cents": 1, "stock": 1});
    app.post("/api/v1/products", Some(&token), body.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/products", None, body).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn invalid_products_are_refused_field_by_field() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/products",
            Some(&app.admin_token),
            json!({"name": "", "price_cents": -1, "stock": -5, "currency": "usd", "sku": "a b"}),
        )
        .await;
    reply.assert_problem(400, "validation_failed");
    let mut fields = reply.fields();
    fields.sort();
    assert_eq!(fields, ["currency", "name", "price_cents", "sku", "stock"]);
    let float = app
        .post("/api/v1/products", Some(&app.admin_token), json!({"name": "X", "price_cents": 5.0, "stock": 1}))
        .await;
    float.assert_problem(400, "validation_failed");
    assert_eq!(float.fields(), ["price_cents"]);
}

#[actix_web::test]
async fn a_taken_sku_is_a_duplicate() {
    let app = spawn_app().await;
    let body = json!({"name": "A", "price_cents": 1, "stock": 1, "sku": "SKU-1"});
    assert_eq!(app.post("/api/v1/products", Some(&app.admin_token), body.clone()).await.status, StatusCode::CREATED);
    let again = app.post("/api/v1/products", Some(&app.admin_token), body).await;
    again.assert_problem(409, "duplicate");
    assert_eq!(again.fields(), ["sku"]);
}

#[actix_web::test]
async fn an_admin_updates_a_product_at_its_version() {
    let app = spawn_app().await;
    let teapot = app.create_product("Teapot", 1999, 5).await;
    let path = format!("/api/v1/products/{}", teapot["id"].as_str().unwrap());
    let reply = app.patch(&path, &app.admin_token, json!({"price_cents": 1500}), Stated::etag(1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["price_cents"].as_i64(), reply.body["version"].as_i64()), (Some(1500), Some(2)));
    let stale = app.patch(&path, &app.admin_token, json!({"stock": 1}), Stated::InBody(1)).await;
    stale.assert_problem(409, "version_conflict");
    app.patch(&path, &app.admin_token, json!({"stock": 1}), Stated::Not)
        .await
        .assert_problem(428, "precondition_required");
}

#[actix_web::test]
async fn deleting_archives_the_product_out_of_listings_but_not_out_of_reach() {
    let app = spawn_app().await;
    let teapot = app.create_product("Teapot", 1999, 5).await;
    app.create_product("Kettle", 2999, 5).await;
    let id = teapot["id"].as_str().unwrap();
    let path = format!("/api/v1/products/{id}");
    let deleted = app.delete(&path, &app.admin_token, Stated::etag(1)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let read = app.product(id).await;
    assert_eq!(read["archived"], true);
    assert_eq!(names(&app.get("/api/v1/products", None).await), ["Kettle"]);
}

#[actix_web::test]
async fn products_are_filtered_sorted_and_paged() {
    let app = spawn_app().await;
    for (name, price, stock) in
        [("Green tea", 500, 3), ("Black tea", 700, 0), ("Teapot", 1999, 1), ("Kettle", 2999, 2), ("Mug", 700, 9)]
    {
        app.create_product(name, price, stock).await;
    }
    assert_eq!(
        names(&app.get("/api/v1/products?q=TEA&sort=-created_at", None).await),
        ["Teapot", "Black tea", "Green tea"]
    );
    // By relevance unless told otherwise: "tea" as a word first, then as a word's start.
    assert_eq!(names(&app.get("/api/v1/products?q=TEA", None).await), ["Black tea", "Green tea", "Teapot"]);
    assert_eq!(
        names(&app.get("/api/v1/products?sort=price_cents&min_price_cents=600&max_price_cents=2000", None).await),
        ["Black tea", "Mug", "Teapot"]
    );
    assert_eq!(names(&app.get("/api/v1/products?in_stock=false", None).await), ["Black tea"]);
    assert_eq!(names(&app.get("/api/v1/products?sort=name&limit=2", None).await), ["Black tea", "Green tea"]);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/products?sort=-price_cents&limit=2&cursor={c}"),
            None => "/api/v1/products?sort=-price_cents&limit=2".to_owned(),
        };
        let page = app.get(&url, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(names(&page));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(&seen[..2], ["Kettle", "Teapot"]);
}

#[actix_web::test]
async fn bad_list_parameters_are_400() {
    let app = spawn_app().await;
    for query in [
        "sort=price",
        "min_price_cents=-1",
        "in_stock=maybe",
        "limit=0",
        "min_price_cents=9&max_price_cents=1",
        "cursor=%%%",
        "sort=relevance&q=tea&cursor=01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ] {
        app.get(&format!("/api/v1/products?{query}"), None).await.assert_problem(400, "validation_failed");
    }
    let long = "x".repeat(201);
    app.get(&format!("/api/v1/products?q={long}"), None).await.assert_problem(400, "validation_failed");
    let first = app.get("/api/v1/products?sort=name&limit=1", None).await;
    assert_eq!(first.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_malformed_product_id_is_400_and_an_unknown_one_404() {
    let app = spawn_app().await;
    app.get("/api/v1/products/nope", None).await.assert_problem(400, "validation_failed");
    app.get("/api/v1/products/01ARZ3NDEKTSV4RRFFQ69G5FAV", None).await.assert_problem(404, "not_found");
}
