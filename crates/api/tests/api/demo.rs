//! The demo shop (`zonmart demo`): what it writes is a shop the API serves
//! like any other, it runs once per database unless forced, and it never
//! writes to a database holding anyone else's data.

use actix_web::http::StatusCode;
use serde_json::{json, Value};
use zonmart_adapters::testing::TestDatabase;
use zonmart_api::demo;
use zonmart_api::state::AppState;
use zonmart_api::Settings;
use zonmart_app::{DemoError, DemoReport};

use crate::support::{spawn_app, spawn_app_with_state, TestApp};

fn wire(db: &TestDatabase) -> AppState {
    AppState::wire(db.database(), &Settings::for_tests()).expect("the services wire")
}

fn password_of<'r>(report: &'r DemoReport, username: &str) -> &'r str {
    let user = report.users.iter().find(|u| u.username == username).expect("the demo reports the user");
    &user.password
}

/// The demo written to `db`, then the app served over it.
async fn demo_app(db: TestDatabase) -> (TestApp, DemoReport) {
    let state = wire(&db);
    let report = demo::seed(&state, false).await.expect("the demo fills an empty database");
    let admin = ("admin", password_of(&report, "admin").to_owned());
    let app = spawn_app_with_state(db, state, (admin.0, &admin.1)).await;
    (app, report)
}

fn items(reply: &Value) -> &Vec<Value> {
    reply["items"].as_array().expect("a list page")
}

/// Everything a second run could have changed, as the admin sees it.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut seen = Vec::new();
    for path in [
        "/api/v1/users?limit=100",
        "/api/v1/products?limit=100",
        "/api/v1/orders?limit=100",
        "/api/v1/shipping-methods?limit=100",
        "/api/v1/tax-rates?limit=100",
        "/api/v1/discounts?limit=100",
        "/api/v1/addresses?limit=100",
    ] {
        let reply = app.get(path, Some(&app.admin_token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        seen.push(reply.text);
    }
    seen
}

async fn listings_a_quote_and_an_order_work(app: &TestApp, report: &DemoReport) {
    let products = app.get("/api/v1/products?limit=100", None).await;
    assert_eq!(items(&products.body).len(), 50, "50 live products; the archived one is not listed");
    let sold_out = app.get("/api/v1/products?in_stock=false&limit=100", None).await;
    assert_eq!(items(&sold_out.body).len(), 3);
    assert!(items(&products.body).iter().all(|p| p["sku"].is_string() && p["description"].is_string()));
    assert_eq!(items(&app.get("/api/v1/shipping-methods?country=US", None).await.body).len(), 2);
    assert_eq!(items(&app.get("/api/v1/tax-rates", None).await.body).len(), 3);

    let alice = app.login("alice", password_of(report, "alice")).await;
    let orders = app.get("/api/v1/orders?limit=100", Some(&alice)).await;
    let mut states: Vec<&str> = items(&orders.body).iter().filter_map(|o| o["status"].as_str()).collect();
    states.sort_unstable();
    assert_eq!(states, ["cancelled", "delivered", "paid", "pending", "shipped"], "alice's past orders");

    let address = items(&app.get("/api/v1/addresses", Some(&alice)).await.body)[0].clone();
    let methods = app.get("/api/v1/shipping-methods?country=US", None).await;
    let standard = items(&methods.body).iter().find(|m| m["name"] == "Standard (US)").expect("a US method");
    let press = items(&app.get("/api/v1/products?q=French%20Press", None).await.body)[0].clone();
    let body = json!({
        "items": [{"product_id": press["id"], "quantity": 1}],
        "shipping_address_id": address["id"],
        "shipping_method_id": standard["id"],
        "discount_code": "WELCOME10",
    });
    let quote = app.post("/api/v1/checkout/quote", Some(&alice), body.clone()).await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    assert_eq!(quote.body["discount_cents"], 345, "10 % of 34.50");
    assert!(quote.body["tax_cents"].as_i64() > Some(0), "US tax: {}", quote.text);
    let order = app.post("/api/v1/orders", Some(&alice), body).await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.body["total_cents"], quote.body["total_cents"]);

    let all = app.get("/api/v1/orders?limit=100", Some(&app.admin_token)).await;
    assert_eq!(items(&all.body).len(), report.orders.len() + 1, "the admin sees every order");
}

#[actix_web::test]
async fn after_the_demo_listings_a_quote_and_an_order_work() {
    let (app, report) = demo_app(TestDatabase::sqlite().await).await;
    listings_a_quote_and_an_order_work(&app, &report).await;
}

#[actix_web::test]
async fn after_the_demo_listings_a_quote_and_an_order_work_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let (app, report) = demo_app(db).await;
    listings_a_quote_and_an_order_work(&app, &report).await;
}

#[actix_web::test]
async fn the_demo_says_what_it_made_with_the_passwords() {
    let db = TestDatabase::sqlite().await;
    let report = demo::seed(&wire(&db), false).await.expect("the demo runs");
    let text = demo::describe(&report, "sqlite::memory:");
    for user in ["admin", "alice", "bob"] {
        assert!(text.contains(&format!(" {user}")) && text.contains(password_of(&report, user)), "{text}");
    }
    assert!(text.contains("51 products, 3 sold out, 1 archived"), "{text}");
    assert!(text.contains("10 past orders: 2 pending, 2 paid, 2 shipped, 2 delivered, 2 cancelled"), "{text}");
}

#[actix_web::test]
async fn the_demo_twice_without_force_is_refused_and_changes_nothing() {
    let db = TestDatabase::sqlite().await;
    let second = wire(&db);
    let (app, _) = demo_app(db).await;
    let before = snapshot(&app).await;

    let refused = demo::seed(&second, false).await;

    assert!(matches!(refused, Err(DemoError::AlreadySeeded { .. })), "{refused:?}");
    assert_eq!(snapshot(&app).await, before);
}

#[actix_web::test]
async fn force_on_the_demo_adds_only_what_is_missing_and_sets_new_passwords() {
    let db = TestDatabase::sqlite().await;
    let second = wire(&db);
    let (app, first) = demo_app(db).await;

    let again = demo::seed(&second, true).await.expect("--force runs on the demo's own database");

    assert_eq!((again.products.created, again.products.existing), (0, 51));
    assert!(again.orders.is_empty(), "the past orders are there already");
    let orders =
        app.get("/api/v1/orders?limit=100", Some(&app.login("admin", password_of(&again, "admin")).await)).await;
    assert_eq!(items(&orders.body).len(), first.orders.len());
    let old = app
        .post("/api/v1/auth/login", None, json!({"username": "alice", "password": password_of(&first, "alice")}))
        .await;
    old.assert_problem(401, "unauthorized");
    app.login("alice", password_of(&again, "alice")).await;
}

#[actix_web::test]
async fn a_database_with_foreign_data_is_refused_even_with_force() {
    let app = spawn_app().await;
    app.create_product("The shop's own product", 1000, 5).await;
    let state = AppState::wire(app.database(), &Settings::for_tests()).expect("the services wire");
    let before = snapshot(&app).await;

    for force in [false, true] {
        let refused = demo::seed(&state, force).await;
        assert!(matches!(refused, Err(DemoError::ForeignData)), "force {force}: {refused:?}");
    }

    assert_eq!(snapshot(&app).await, before);
}
