//! The conventions every endpoint shares: problem documents, 404/405/413/415,
//! strict JSON, request ids, CORS, health, the OpenAPI document.

use actix_web::http::{Method, StatusCode};
use serde_json::json;
use utoipa::OpenApi as _;

use crate::support::*;

#[actix_web::test]
async fn health_is_ok_and_ready_answers_when_the_database_does() {
    let app = spawn_app().await;
    let health = app.get("/health", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, json!({"status": "ok"}));
    assert_eq!(app.get("/ready", None).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_unknown_path_is_a_404_problem() {
    let app = spawn_app().await;
    app.get("/api/v1/nope", None).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn an_undeclared_method_on_a_known_path_is_405_with_allow() {
    let app = spawn_app().await;
    let reply = app.put("/api/v1/users", &app.admin_token, json!({}), Stated::Not).await;
    reply.assert_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let reply = app.call(Method::DELETE, "/health", None, None, &[]).await;
    reply.assert_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET"));
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415_and_nothing_is_written() {
    let app = spawn_app().await;
    let body = br#"{"username":"mallory","password":"correct horse battery"}"#.to_vec();
    app.send_raw(Method::POST, "/api/v1/auth/register", None, "text/plain", body)
        .await
        .assert_problem(415, "unsupported_media_type");
    app.post("/api/v1/auth/login", None, json!({"username": "mallory", "password": PASSWORD}))
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_body_over_64_kib_is_413() {
    let app = spawn_app().await;
    let big = json!({"username": "big", "password": PASSWORD, "address": "x".repeat(70 * 1024)});
    app.post("/api/v1/auth/register", None, big).await.assert_problem(413, "payload_too_large");
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let reply =
        app.send_raw(Method::POST, "/api/v1/auth/register", None, "application/json", b"{\"username\":".to_vec()).await;
    reply.assert_problem(400, "validation_failed");
}

#[actix_web::test]
async fn unknown_fields_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let reply = app
        .post("/api/v1/auth/register", None, json!({"username": "bob", "password": PASSWORD, "is_admin": true}))
        .await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), vec!["is_admin"]);
}

#[actix_web::test]
async fn a_string_with_nul_is_refused() {
    let app = spawn_app().await;
    let reply = app
        .post("/api/v1/auth/register", None, json!({"username": "bob", "password": PASSWORD, "full_name": "Bo\u{0}b"}))
        .await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), vec!["full_name"]);
}

#[actix_web::test]
async fn wrong_types_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let reply = app.post("/api/v1/auth/register", None, json!({"username": 42, "password": PASSWORD})).await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), vec!["username"]);
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_a_sane_one_is_echoed() {
    let app = spawn_app().await;
    let mine = app.call(Method::GET, "/health", None, None, &[("x-request-id", "trace-42")]).await;
    assert_eq!(mine.header("x-request-id"), Some("trace-42"));
    let odd = app.call(Method::GET, "/nope", None, None, &[("x-request-id", "no spaces allowed")]).await;
    assert_eq!(odd.header("x-request-id").map(str::len), Some(26), "a new ULID replaces it");
}

#[actix_web::test]
async fn the_openapi_document_lists_the_routes_and_the_bearer_scheme() {
    let app = spawn_app().await;
    let doc = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in
        ["/api/v1/auth/register", "/api/v1/users", "/api/v1/users/{id}", "/api/v1/users/me", "/health", "/ready"]
    {
        assert!(doc.body["paths"][path].is_object(), "{path} missing");
    }
    assert_eq!(doc.body["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[actix_web::test]
async fn swagger_ui_is_served_at_docs() {
    let app = spawn_app().await;
    let redirect = app.get("/docs", None).await;
    assert!(redirect.status.is_redirection(), "{}", redirect.status);
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("swagger"), "{}", &page.text[..page.text.len().min(200)]);
}

#[actix_web::test]
async fn cors_allows_listed_origins_only() {
    let settings = zonmart_api::Settings {
        cors_origins: vec!["https://shop.example".into()],
        ..zonmart_api::Settings::for_tests()
    };
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;

    let listed = app.call(Method::GET, "/health", None, None, &[("origin", "https://shop.example")]).await;
    assert_eq!(listed.header("access-control-allow-origin"), Some("https://shop.example"));
    assert_eq!(listed.header("access-control-allow-credentials"), Some("true"));
    let exposed = listed.header("access-control-expose-headers").unwrap_or("").to_ascii_lowercase();
    for h in ["etag", "location", "retry-after", "x-request-id"] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }

    let preflight = app
        .call(
            Method::OPTIONS,
            "/api/v1/users/me",
            None,
            None,
            &[
                ("origin", "https://shop.example"),
                ("access-control-request-method", "PATCH"),
                ("access-control-request-headers", "authorization, if-match, idempotency-key"),
            ],
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert!(preflight.header("access-control-allow-methods").unwrap_or("").contains("PATCH"));

    let other = app.call(Method::GET, "/health", None, None, &[("origin", "https://evil.example")]).await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn unlisted_origins_and_plain_requests_get_no_cors_headers() {
    let settings = zonmart_api::Settings {
        cors_origins: vec!["https://shop.example".into()],
        ..zonmart_api::Settings::for_tests()
    };
    let app = spawn_app_on(zonmart_adapters::testing::TestDatabase::sqlite().await, settings).await;
    for headers in [vec![], vec![("origin", "https://evil.example")]] {
        let reply = app.call(Method::GET, "/health", None, None, &headers).await;
        let cors: Vec<_> = reply.headers.keys().filter(|k| k.as_str().starts_with("access-control-")).collect();
        assert!(cors.is_empty(), "{headers:?}: {cors:?}");
    }
    let preflight = app
        .call(
            Method::OPTIONS,
            "/api/v1/users/me",
            None,
            None,
            &[("origin", "https://evil.example"), ("access-control-request-method", "GET")],
        )
        .await;
    preflight.assert_problem(403, "forbidden");
    assert_eq!(preflight.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_and_show_the_pool() {
    let app = spawn_app().await;
    let (alice, token) = app.register("alice").await;
    app.get(&format!("/api/v1/users/{}", alice["id"].as_str().unwrap()), Some(&token)).await;
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.header("content-type").unwrap().starts_with("text/plain"));
    let text = &metrics.text;
    assert!(
        text.contains("zonmart_http_requests_total{method=\"GET\",route=\"/api/v1/users/{id}\",status=\"200\"}"),
        "{text}"
    );
    assert!(!text.contains(alice["id"].as_str().unwrap()), "raw ids never become labels");
    assert!(text.contains("zonmart_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("zonmart_db_pool_max_connections"), "{text}");
}

#[actix_web::test]
async fn every_operation_declares_the_shared_problem_answers() {
    let app = spawn_app().await;
    let doc = app.get("/api-docs/openapi.json", None).await.body;
    let responses = |path: &str, method: &str| doc["paths"][path][method]["responses"].clone();
    let patch_user = responses("/api/v1/users/{id}", "patch");
    for status in ["200", "400", "401", "403", "404", "409", "412", "413", "415", "428", "429", "503"] {
        assert!(patch_user[status].is_object(), "PATCH /api/v1/users/{{id}} lacks {status}");
    }
    assert!(patch_user["401"]["headers"]["WWW-Authenticate"].is_object());
    let register = responses("/api/v1/auth/register", "post");
    for status in ["201", "400", "409", "413", "415", "429", "503"] {
        assert!(register[status].is_object(), "register lacks {status}");
    }
    assert!(register["401"].is_null(), "register needs no token");
    assert!(responses("/health", "get")["429"].is_null(), "health is not rate limited");
    let if_match = &doc["paths"]["/api/v1/users/{id}"]["patch"]["parameters"][1];
    assert_eq!(if_match["name"], "If-Match");
    assert!(if_match["schema"]["pattern"].is_string());
}

/// Every `$ref` in `value` (JSON pointers into the document).
fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn operations(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            all.push((path.clone(), method.clone(), op.clone()));
        }
    }
    all
}

#[test]
fn the_openapi_document_is_the_reviewed_contract() {
    // Any change to the public contract shows up as a snapshot diff to review
    // (`cargo insta review`); under CI=true a difference fails.
    let doc = serde_json::to_value(zonmart_api::openapi::ApiDoc::openapi()).unwrap();
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn every_response_is_described_and_every_ref_resolves() {
    let doc = serde_json::to_value(zonmart_api::openapi::ApiDoc::openapi()).unwrap();
    for (path, method, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let description = response["description"].as_str().unwrap_or("");
            assert!(!description.is_empty(), "{method} {path} {status} has no description");
            if let Some(example) = response["content"]["application/problem+json"].get("example") {
                assert_eq!(example["status"].to_string(), *status, "{method} {path} {status}'s example");
            }
            if status == "429" {
                assert!(response["headers"]["Retry-After"].is_object(), "{method} {path} 429 lacks Retry-After");
            }
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for reference in all {
        let name = reference.strip_prefix("#/components/schemas/").expect("a schema reference");
        assert!(doc["components"]["schemas"][name].is_object(), "{reference} does not resolve");
    }
}

#[test]
fn operation_ids_are_unique_and_seed_ones_say_so() {
    let doc = serde_json::to_value(zonmart_api::openapi::ApiDoc::openapi()).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().expect("an operationId").to_owned();
        assert!(seen.insert(id.clone()), "{id} is used twice");
        let seed = !path.starts_with("/api/v1/") && !["/health", "/ready", "/metrics"].contains(&path.as_str());
        assert_eq!(seed, id.starts_with("seed_"), "{method} {path} is {id}");
    }
}

#[test]
fn list_pages_reference_their_items_and_optional_inputs_are_not_nullable() {
    let doc = serde_json::to_value(zonmart_api::openapi::ApiDoc::openapi()).unwrap();
    let page = &doc["components"]["schemas"]["PageBody_ProductBody"];
    assert_eq!(page["properties"]["items"]["items"]["$ref"], "#/components/schemas/ProductBody");
    let place = &doc["paths"]["/api/v1/orders"]["post"]["parameters"][0];
    assert_eq!((place["name"].as_str(), place["schema"]["type"].as_str()), (Some("Idempotency-Key"), Some("string")));
    let delete = &doc["paths"]["/api/v1/products/{id}"]["delete"]["requestBody"];
    assert_eq!(delete["required"], false);
    assert_eq!(delete["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/VersionBody");
    let sort = doc["paths"]["/api/v1/products"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "sort")
        .cloned()
        .unwrap();
    let sort_ref =
        sort["schema"]["$ref"].as_str().or(sort["schema"]["oneOf"][0]["$ref"].as_str()).unwrap_or_default().to_owned();
    let name = sort_ref.rsplit('/').next().unwrap();
    assert!(doc["components"]["schemas"][name]["enum"].is_array(), "sort is an enum: {sort}");
    assert!(doc["servers"].is_array());
}

/// The authentication choice of every route, checked from the outside so a
/// new route cannot get it wrong unseen: an operation the document marks as
/// secured refuses a call without credentials, with a malformed token and
/// with the token of a user disabled since (the full check, whichever
/// extractor its handler chose and whether the use case or the extractor
/// makes it), and an operation it leaves open never asks an anonymous caller
/// for credentials. Ids in paths are well-formed and unknown, bodies empty
/// objects: authentication must come before any look-up or validation.
#[actix_web::test]
async fn every_secured_operation_refuses_anonymous_bad_and_disabled_callers() {
    let app = spawn_app().await;
    let (user, token) = app.register("gatekeeper").await;
    let id = user["id"].as_str().unwrap();
    let disabled =
        app.patch(&format!("/api/v1/users/{id}"), &app.admin_token, json!({"disabled": true}), Stated::etag(1)).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);

    let doc = serde_json::to_value(zonmart_api::openapi::ApiDoc::openapi()).unwrap();
    let (mut secured, mut open) = (0, 0);
    for (template, method, op) in operations(&doc) {
        let path = fill_path_parameters(&template);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let declares_credentials = op["security"]
            .as_array()
            .is_some_and(|alternatives| alternatives.iter().any(|a| a.as_object().is_some_and(|a| !a.is_empty())));
        if declares_credentials {
            secured += 1;
            for (who, credential) in
                [("anonymous", None), ("malformed", Some("not-a-token")), ("disabled", Some(&*token))]
            {
                let reply = app.call(method.clone(), &path, credential, body.clone(), &[]).await;
                // actix polls a handler's extractors together: the body's
                // validation, which needs no round trip, can answer before
                // the disabled user's look-up does. Either way it is refused.
                let validated_first = who == "disabled" && body.is_some() && reply.status == StatusCode::BAD_REQUEST;
                assert!(
                    reply.status == StatusCode::UNAUTHORIZED || validated_first,
                    "{method} {template} as {who}: {} {}",
                    reply.status,
                    reply.text
                );
            }
        } else {
            open += 1;
            let reply = app.call(method.clone(), &path, None, body.clone(), &[]).await;
            assert_ne!(reply.status, StatusCode::UNAUTHORIZED, "{method} {template} is open but asks: {}", reply.text);
        }
    }
    // The document really has both kinds (a filter that matched nothing would pass).
    assert!(secured > 40 && open > 10, "secured {secured}, open {open}");
}

/// `template` with each `{parameter}` replaced by a well-formed ULID that
/// names nothing.
fn fill_path_parameters(template: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        path.push_str("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        rest = &rest[start + rest[start..].find('}').unwrap() + 1..];
    }
    path.push_str(rest);
    path
}
