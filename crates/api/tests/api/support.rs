//! The one way tests start Zonmart: [`spawn_app`] builds the real
//! application (same `Application::build_with_database` as `main`) over a
//! fresh database, serves it on a free port, and logs the first admin in.

#![allow(dead_code)]

use actix_web::http::{header, Method, StatusCode};
use awc::http::header::HeaderMap;
use serde_json::{json, Value};
use sha2::Digest;
use zonmart_adapters::testing::TestDatabase;
use zonmart_api::{Application, Settings};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub client: awc::Client,
    /// An access token of the configured first admin.
    pub admin_token: String,
    _db: TestDatabase,
}

/// An answer: status, headers and the body (JSON when it is JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem document with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.text);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        for member in ["type", "title", "detail"] {
            assert!(self.body[member].is_string(), "problem lacks {member}: {}", self.text);
        }
    }

    /// The `field`s of a validation problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(TestDatabase::sqlite().await, Settings::for_tests()).await
}

/// The same app over PostgreSQL, or `None` when no test database is
/// configured (outside CI; under CI that panics instead).
pub async fn spawn_app_on_postgres() -> Option<TestApp> {
    Some(spawn_app_on(TestDatabase::postgres().await?, Settings::for_tests()).await)
}

pub async fn spawn_app_on(db: TestDatabase, settings: Settings) -> TestApp {
    let database = db.database();
    spawn_app_with(db, database, settings).await
}

/// The app over `database`, which reaches the store `db` owns (for example
/// through a proxy); `db` is kept so the store lives as long as the app.
pub async fn spawn_app_with(db: TestDatabase, database: zonmart_adapters::Database, settings: Settings) -> TestApp {
    let settings =
        Settings { admin_username: Some(ADMIN.into()), admin_password: Some(ADMIN_PASSWORD.into()), ..settings };
    let app = Application::build_with_database(settings, database).await.expect("the app builds");
    serve(app, db, (ADMIN, ADMIN_PASSWORD)).await
}

/// Serves `app` on its port and logs `admin` (name, password) in.
async fn serve(app: Application, db: TestDatabase, admin: (&str, &str)) -> TestApp {
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.into_server());
    let client = awc::Client::builder().disable_redirects().timeout(std::time::Duration::from_secs(30)).finish();
    let mut test_app = TestApp { base, client, admin_token: String::new(), _db: db };
    test_app.admin_token = test_app.login(admin.0, admin.1).await;
    test_app
}

impl TestApp {
    /// A handle to the app's store, for wiring services beside the server.
    pub fn database(&self) -> zonmart_adapters::Database {
        self._db.database()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends any request as given: `body` goes as JSON; `headers` are added
    /// as given. For requests the typed helpers below cannot express
    /// (malformed ones on purpose, unusual methods or headers); everything
    /// else uses those.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut res = match body {
            Some(body) => req.send_json(&body).await,
            None => req.send().await,
        }
        .expect("the server answers");
        let bytes = res.body().limit(10 * 1024 * 1024).await.expect("a readable body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status: res.status(), headers: res.headers().clone(), body, text }
    }

    /// Sends raw bytes with a content type of the caller's choice.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path)).insert_header((header::CONTENT_TYPE, content_type));
        if let Some(token) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        let mut res = req.send_body(bytes).await.expect("the server answers");
        let bytes = res.body().limit(10 * 1024 * 1024).await.expect("a readable body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status: res.status(), headers: res.headers().clone(), body, text }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body), &[]).await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self.post("/api/v1/auth/login", None, json!({"username": username, "password": password})).await;
        assert_eq!(reply.status, StatusCode::OK, "login of {username} failed: {}", reply.text);
        reply.body["access_token"].as_str().expect("an access token").to_owned()
    }

    /// Registers a customer; returns their user JSON and an access token.
    pub async fn register(&self, username: &str) -> (Value, String) {
        let reply = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "register {username}: {}", reply.text);
        let token = self.login(username, PASSWORD).await;
        (reply.body, token)
    }
}

/// The app over `state` (already wired to `db`'s store, for example after
/// the demo wrote through it), with no configured admin: `admin_token` is
/// the token of `admin` logged in with `password`.
pub async fn spawn_app_with_state(
    db: TestDatabase,
    state: zonmart_api::state::AppState,
    admin: (&str, &str),
) -> TestApp {
    let app = Application::build_with_state(Settings::for_tests(), state).await.expect("the app builds");
    serve(app, db, admin).await
}

/// Over a SQLite file with a pool of several connections, so concurrent
/// requests really run concurrently.
pub async fn spawn_app_on_sqlite_file() -> TestApp {
    spawn_app_on(TestDatabase::sqlite_file(4).await, Settings::for_tests()).await
}

impl TestApp {
    /// The admin creates a product; returns its JSON.
    pub async fn create_product(&self, name: &str, price_cents: i64, stock: i64) -> Value {
        let body = json!({"name": name, "price_cents": price_cents, "stock": stock});
        let reply = self.post("/api/v1/products", Some(&self.admin_token), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "create product {name}: {}", reply.text);
        reply.body
    }

    pub async fn product(&self, id: &str) -> Value {
        let reply = self.get(&format!("/api/v1/products/{id}"), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }

    /// Places an order of `(product id, quantity)` lines.
    pub async fn order(&self, token: &str, lines: &[(&str, i64)]) -> Reply {
        let items: Vec<Value> = lines.iter().map(|(id, q)| json!({"product_id": id, "quantity": q})).collect();
        self.post("/api/v1/orders", Some(token), json!({ "items": items })).await
    }
}

/// How a versioned write states the version it read (API.md, "Optimistic
/// locking"): the choice every `PATCH`, `PUT` and `DELETE` helper takes.
#[derive(Debug, Clone)]
pub enum Stated {
    /// An `If-Match` header with exactly this text (`Stated::etag(1)` is the
    /// well-formed `"1"`; anything else tests a malformed one).
    IfMatch(String),
    /// `"version": n` in the JSON body.
    InBody(i64),
    /// Neither.
    Not,
}

impl Stated {
    /// `If-Match: "<version>"`.
    pub fn etag(version: i64) -> Stated {
        Stated::IfMatch(format!("\"{version}\""))
    }
}

impl TestApp {
    /// A versioned write: `body` (an object, or nothing) with the version
    /// stated as `stated` says.
    pub async fn write(&self, method: Method, path: &str, token: &str, body: Option<Value>, stated: Stated) -> Reply {
        match stated {
            Stated::IfMatch(tag) => self.call(method, path, Some(token), body, &[("if-match", tag.as_str())]).await,
            Stated::InBody(version) => {
                let mut body = body.unwrap_or_else(|| json!({}));
                body["version"] = json!(version);
                self.call(method, path, Some(token), Some(body), &[]).await
            }
            Stated::Not => self.call(method, path, Some(token), body, &[]).await,
        }
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value, stated: Stated) -> Reply {
        self.write(Method::PATCH, path, token, Some(body), stated).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value, stated: Stated) -> Reply {
        self.write(Method::PUT, path, token, Some(body), stated).await
    }

    pub async fn delete(&self, path: &str, token: &str, stated: Stated) -> Reply {
        self.write(Method::DELETE, path, token, None, stated).await
    }

    /// `POST /api/v1/orders` with `body`, retried safely under `key`
    /// (`Idempotency-Key`) when one is given.
    pub async fn place_order(&self, token: &str, body: Value, key: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = key.map(|key| ("idempotency-key", key)).into_iter().collect();
        self.call(Method::POST, "/api/v1/orders", Some(token), Some(body), &headers).await
    }
}

/// A loopback port nothing listens on now, for a `zonmart` process a test
/// starts itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Waits (at most 30 s) until `url` answers 200: a `zonmart` process a test
/// started is up (`/health`) or ready (`/ready`).
pub async fn wait_until_ok(client: &awc::Client, url: &str) {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if let Ok(res) = client.get(url).send().await {
            if res.status() == StatusCode::OK {
                return;
            }
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{url} did not answer 200 within 30 s");
}

/// HMAC-SHA256 of `message` keyed by `secret`, in hex: written from its
/// definition, so tests of signatures do not trust the server's code.
pub fn hmac_hex(secret: &str, message: &str) -> String {
    // HMAC-SHA256 by its definition, so the test does not trust the server's code.
    let mut key = secret.as_bytes().to_vec();
    if key.len() > 64 {
        key = sha2::Sha256::digest(&key).to_vec();
    }
    key.resize(64, 0);
    let (ipad, opad): (Vec<u8>, Vec<u8>) = key.iter().map(|b| (b ^ 0x36, b ^ 0x5c)).unzip();
    let inner = sha2::Sha256::digest([ipad, message.as_bytes().to_vec()].concat());
    let outer = sha2::Sha256::digest([opad, inner.to_vec()].concat());
    outer.iter().map(|b| format!("{b:02x}")).collect()
}
