//! The outbox's promises on the real `zonmart` binary: an event whose change
//! committed reaches its webhook receiver even when the server is killed
//! (`kill -9`) right after answering, and two servers on one PostgreSQL
//! database deliver every event without ever sending one from both at once,
//! and expire each unpaid order once.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use zonmart_adapters::testing::TestDatabase;

use crate::support::{free_port, wait_until_ok};

const JWT_SECRET: &str = "crash-test-secret-crash-test-secret-crash";

/// A `zonmart` process, SIGKILLed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str) -> Server {
        Server::start_with(database_url, &[]).await
    }

    /// Started with `extra` environment variables on top of the usual ones.
    async fn start_with(database_url: &str, extra: &[(&str, &str)]) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_zonmart"))
            .env_clear()
            .env("ZONMART_DATABASE_URL", database_url)
            .env("ZONMART_BIND", format!("127.0.0.1:{port}"))
            .env("ZONMART_JWT_SECRET", JWT_SECRET)
            .env("ZONMART_BCRYPT_COST", "4")
            .env("ZONMART_ADMIN_USERNAME", "admin")
            .env("ZONMART_ADMIN_PASSWORD", "admin-password")
            .env("ZONMART_RATE_LIMIT_AUTH_PER_MINUTE", "0")
            .env("ZONMART_RATE_LIMIT_PER_MINUTE", "0")
            .env("ZONMART_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
            .env("ZONMART_WEBHOOK_BACKOFF_MS", "100")
            .env("ZONMART_LOG", "warn")
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the zonmart binary starts");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        wait_until_ok(&client(), &format!("{}/ready", server.base)).await;
        server
    }

    /// `kill -9`: no shutdown of any kind runs.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL is delivered");
        self.child.wait().expect("the killed process is reaped");
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut request = client().post(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let mut res = request.send_json(&body).await.expect("the server answers");
        let body = res.json::<Value>().limit(1 << 20).await.unwrap_or(Value::Null);
        (res.status(), body)
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let mut res = client().get(format!("{}{path}", self.base)).bearer_auth(token).send().await.expect("an answer");
        let body = res.json::<Value>().limit(1 << 20).await.unwrap_or(Value::Null);
        (res.status(), body)
    }

    async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) =
            self.post("/api/v1/auth/login", None, json!({"username": username, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().expect("an access token").to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> awc::Client {
    awc::Client::builder().timeout(Duration::from_secs(30)).finish()
}

/// What a receiver saw.
#[derive(Default)]
struct Seen {
    /// `order.placed` accepted, by order id: how many times.
    accepted: HashMap<String, usize>,
    /// Event ids being answered right now.
    in_flight: HashSet<String>,
    /// Times a delivery arrived while the same event's was still in flight.
    overlaps: usize,
    refused: usize,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    seen: Arc<Mutex<Seen>>,
    accepting: Arc<std::sync::atomic::AtomicBool>,
}

impl Receiver {
    /// Answers 503 until `accept()`, then 204 after holding each request
    /// `hold` (so two sends of one event would overlap).
    async fn start(accepting: bool, hold: Duration) -> Receiver {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let accepting = Arc::new(std::sync::atomic::AtomicBool::new(accepting));
        let (state, open) = (seen.clone(), accepting.clone());
        let server = HttpServer::new(move || {
            let (state, open) = (state.clone(), open.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (state, open) = (state.clone(), open.clone());
                async move {
                    let event_id =
                        req.headers().get("zonmart-event-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    if !open.load(std::sync::atomic::Ordering::SeqCst) {
                        state.lock().unwrap().refused += 1;
                        return HttpResponse::ServiceUnavailable().finish();
                    }
                    {
                        let mut seen = state.lock().unwrap();
                        if !seen.in_flight.insert(event_id.clone()) {
                            seen.overlaps += 1;
                        }
                    }
                    actix_web::rt::time::sleep(hold).await;
                    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let mut seen = state.lock().unwrap();
                    seen.in_flight.remove(&event_id);
                    if event["type"] == "order.placed" {
                        let order_id = event["resource"]["id"].as_str().unwrap_or("").to_owned();
                        *seen.accepted.entry(order_id).or_default() += 1;
                    }
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(2)
        .bind("127.0.0.1:0")
        .expect("the receiver binds");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Receiver { url: format!("http://127.0.0.1:{port}/hook"), seen, accepting }
    }

    fn accept(&self) {
        self.accepting.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Waits (at most 60 s) until every order in `orders` was accepted.
    async fn wait_for_all(&self, orders: &[String]) {
        let started = Instant::now();
        loop {
            let missing = {
                let seen = self.seen.lock().unwrap();
                orders.iter().filter(|id| !seen.accepted.contains_key(*id)).count()
            };
            if missing == 0 {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{missing} of {} orders never reached the receiver",
                orders.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Admin subscribes `receiver` to `order.placed`, creates a product, and a
/// customer is registered; returns the customer's token and the product id.
async fn a_shop_subscribed_to(server: &Server, receiver: &Receiver) -> (String, String) {
    let admin = server.login("admin", "admin-password").await;
    let (status, body) =
        server.post("/api/v1/webhooks", Some(&admin), json!({"url": receiver.url, "events": ["order.placed"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, product) = server
        .post("/api/v1/products", Some(&admin), json!({"name": "Teapot", "price_cents": 1999, "stock": 1000}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{product}");
    let registration = json!({"username": "buyer", "email": "buyer@example.com", "password": "correct horse battery"});
    let (status, body) = server.post("/api/v1/auth/register", None, registration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = server.login("buyer", "correct horse battery").await;
    (token, product["id"].as_str().expect("a product id").to_owned())
}

/// Places `count` one-line orders at once, spread over `servers`; returns
/// the ids of those answered 201 (all of them, asserted).
async fn place_orders(servers: &[&Server], token: &str, product: &str, count: usize) -> Vec<String> {
    let sends = (0..count).map(|n| {
        let server = servers[n % servers.len()];
        let body = json!({"items": [{"product_id": product, "quantity": 1}]});
        async move { server.post("/api/v1/orders", Some(token), body).await }
    });
    let answers = futures_util::future::join_all(sends).await;
    answers
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["id"].as_str().expect("an order id").to_owned()
        })
        .collect()
}

async fn killed_right_after_the_201s_still_delivers_every_order_placed(db: TestDatabase) {
    let url = db.url().expect("a store another process can open");
    let receiver = Receiver::start(false, Duration::ZERO).await;
    let mut first = Server::start(&url).await;
    let (token, product) = a_shop_subscribed_to(&first, &receiver).await;

    let placed = place_orders(&[&first], &token, &product, 20).await;
    first.kill();
    let refused_before_the_kill = receiver.seen.lock().unwrap().refused;
    receiver.accept();

    let _second = Server::start(&url).await;
    receiver.wait_for_all(&placed).await;
    let seen = receiver.seen.lock().unwrap();
    let delivered: usize = placed.iter().map(|id| seen.accepted[id]).sum();
    eprintln!(
        "crash test: {} orders acknowledged, killed with SIGKILL, {} of them delivered after the restart \
         ({} deliveries, {} duplicates; {} tries refused before the kill)",
        placed.len(),
        placed.iter().filter(|id| seen.accepted.contains_key(*id)).count(),
        delivered,
        delivered - placed.len(),
        refused_before_the_kill,
    );
    assert_eq!(seen.accepted.len(), placed.len(), "only the orders placed, each once or more");
}

#[actix_web::test]
async fn killed_right_after_the_201s_still_delivers_every_order_placed_on_sqlite() {
    killed_right_after_the_201s_still_delivers_every_order_placed(TestDatabase::sqlite_file(1).await).await;
}

#[actix_web::test]
async fn killed_right_after_the_201s_still_delivers_every_order_placed_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    killed_right_after_the_201s_still_delivers_every_order_placed(db).await;
}

#[actix_web::test]
async fn two_servers_on_one_database_deliver_every_event_and_never_one_twice_at_once() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let url = db.url().expect("a PostgreSQL URL");
    // Each delivery is held 50 ms, so a second send of one event would
    // overlap the first and be counted.
    let receiver = Receiver::start(true, Duration::from_millis(50)).await;
    let a = Server::start(&url).await;
    let b = Server::start(&url).await;
    let (token, product) = a_shop_subscribed_to(&a, &receiver).await;

    let placed = place_orders(&[&a, &b], &token, &product, 30).await;
    receiver.wait_for_all(&placed).await;
    // Time for a stray second send to show up.
    actix_web::rt::time::sleep(Duration::from_millis(1000)).await;
    let seen = receiver.seen.lock().unwrap();
    let delivered: usize = seen.accepted.values().sum();
    eprintln!(
        "two servers: {} events written, {} delivered, {} duplicates, {} sent twice at once",
        placed.len(),
        seen.accepted.len(),
        delivered - seen.accepted.len(),
        seen.overlaps,
    );
    assert_eq!(seen.overlaps, 0, "no event was sent by both servers at once");
    assert_eq!(seen.accepted.len(), placed.len());
    assert_eq!(delivered, placed.len(), "each event delivered once");
}

/// Two real servers on one PostgreSQL database, each sweeping with a 2 s
/// payment timeout: every one of 20 unpaid orders is cancelled exactly once
/// (one `order.cancelled` each, `payment_timeout`), within 5 s after the
/// timeout, and all their stock is back.
#[actix_web::test]
async fn two_servers_expire_each_unpaid_order_once() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let url = db.url().expect("a PostgreSQL URL");
    let timeout = [("ZONMART_ORDER_PAYMENT_TIMEOUT_S", "2")];
    let a = Server::start_with(&url, &timeout).await;
    let b = Server::start_with(&url, &timeout).await;
    let receiver = Receiver::start(true, Duration::ZERO).await;
    let (token, product) = a_shop_subscribed_to(&a, &receiver).await;
    let orders: HashSet<String> = place_orders(&[&a, &b], &token, &product, 20).await.into_iter().collect();
    let placed = Instant::now();
    let admin = b.login("admin", "admin-password").await;
    let cancelled = loop {
        let (status, feed) = b.get("/api/v1/events?type=order.cancelled&limit=1000", &admin).await;
        assert_eq!(status, StatusCode::OK, "{feed}");
        let items = feed["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= orders.len() || placed.elapsed() > Duration::from_secs(10) {
            break items;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    println!("{} order.cancelled after {:?}", cancelled.len(), placed.elapsed());
    assert!(placed.elapsed() < Duration::from_secs(7), "within 5 s after the 2 s timeout");
    let ids: Vec<&str> = cancelled.iter().filter_map(|event| event["resource"]["id"].as_str()).collect();
    assert_eq!(ids.len(), orders.len(), "one order.cancelled per order, none twice: {ids:?}");
    assert_eq!(ids.iter().map(|id| id.to_string()).collect::<HashSet<_>>(), orders);
    assert!(cancelled.iter().all(|event| event["data"]["cancel_reason"] == "payment_timeout"));
    let (_, teapot) = a.get(&format!("/api/v1/products/{product}"), &admin).await;
    assert_eq!(teapot["stock"], 1000, "every order's stock is back");
}
