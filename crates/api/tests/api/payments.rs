//! The payments webhook over HTTP, signed as Stripe signs: the signature
//! cases, replays, each needs-attention reason, a payment racing the
//! customer's cancel on both databases, and unpaid orders expiring.

use actix_web::http::StatusCode;
use serde_json::{json, Value};
use zonmart_adapters::testing::TestDatabase;
use zonmart_api::config::Settings;

use crate::support::*;

const SECRET: &str = "whsec_test_secret";
const WEBHOOK: &str = "/api/v1/payments/webhook";

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn paying_settings() -> Settings {
    Settings { payment_webhook_secret: Some(SECRET.into()), ..Settings::for_tests() }
}

async fn paying_app() -> TestApp {
    spawn_app_on(TestDatabase::sqlite().await, paying_settings()).await
}

/// A `payment_intent.succeeded` as Stripe sends it (with members Zonmart ignores).
fn succeeded(event_id: &str, intent: &str, order_id: &str, amount: i64, currency: &str) -> String {
    json!({
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "type": "payment_intent.succeeded",
        "livemode": false,
        "data": {"object": {
            "id": intent,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount,
            "currency": currency,
            "status": "succeeded",
            "metadata": {"order_id": order_id, "cart": "web"}
        }}
    })
    .to_string()
}

/// `t=<t>,v1=<HMAC of "<t>.<body>">` with `secret`.
fn signature(secret: &str, t: i64, body: &str) -> String {
    format!("t={t},v1={}", hmac_hex(secret, &format!("{t}.{body}")))
}

impl TestApp {
    async fn webhook(&self, body: &str, signature: Option<&str>) -> Reply {
        let mut req =
            self.client.post(self.url(WEBHOOK)).insert_header(("content-type", "application/json; charset=utf-8"));
        if let Some(signature) = signature {
            req = req.insert_header(("stripe-signature", signature));
        }
        let mut res = req.send_body(body.to_owned()).await.expect("the server answers");
        let bytes = res.body().await.expect("a body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
        }
    }

    /// Sends `body` signed with the shop's secret, now.
    async fn pay_event(&self, body: &str) -> Reply {
        self.webhook(body, Some(&signature(SECRET, now(), body))).await
    }

    async fn order_json(&self, order_id: &str) -> Value {
        let reply = self.get(&format!("/api/v1/orders/{order_id}"), Some(&self.admin_token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }

    /// The feed's events of `kind`, waiting (bounded) for `at_least`.
    async fn events_of(&self, kind: &str, at_least: usize) -> Vec<Value> {
        for _ in 0..100 {
            let feed = self.get(&format!("/api/v1/events?type={kind}&limit=1000"), Some(&self.admin_token)).await;
            assert_eq!(feed.status, StatusCode::OK, "{}", feed.text);
            let items = feed.body["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= at_least {
                return items;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let feed = self.get(&format!("/api/v1/events?type={kind}&limit=1000"), Some(&self.admin_token)).await;
        feed.body["items"].as_array().cloned().unwrap_or_default()
    }
}

/// A customer's pending order of 2 teas at 250: total 500 USD.
async fn pending_order(app: &TestApp, who: &str) -> (Value, String, Value) {
    let (_, token) = app.register(who).await;
    let tea = app.create_product(&format!("Tea for {who}"), 250, 10).await;
    let reply = app.order(&token, &[(id(&tea), 2)]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    (reply.body, token, tea)
}

#[actix_web::test]
async fn without_a_secret_the_webhook_answers_503_and_changes_nothing() {
    let app = spawn_app().await;
    let (order, _, _) = pending_order(&app, "alice").await;
    let body = succeeded("evt_1", "pi_1", id(&order), 500, "usd");
    app.webhook(&body, Some(&signature(SECRET, now(), &body))).await.assert_problem(503, "unavailable");
    assert_eq!(app.order_json(id(&order)).await["status"], "pending");
}

#[actix_web::test]
async fn a_missing_wrong_stale_or_foreign_signature_is_400_and_changes_nothing() {
    let app = paying_app().await;
    let (order, _, _) = pending_order(&app, "alice").await;
    let body = succeeded("evt_1", "pi_1", id(&order), 500, "usd");
    let t = now();
    let tampered = body.replace("500", "501");
    for (case, sig) in [
        ("missing", None),
        ("garbage", Some("nonsense".to_owned())),
        ("no v1", Some(format!("t={t}"))),
        ("wrong hex", Some(format!("t={t},v1={}", "0".repeat(64)))),
        ("another secret", Some(signature("whsec_someone_else", t, &body))),
        ("stale by 301 s", Some(signature(SECRET, t - 301, &body))),
        ("from the future", Some(signature(SECRET, t + 301, &body))),
        ("another body", Some(signature(SECRET, t, &tampered))),
    ] {
        let reply = app.webhook(&body, sig.as_deref()).await;
        reply.assert_problem(400, "invalid_signature");
        assert!(!reply.text.contains(SECRET), "{case}: the secret never shows");
    }
    let unchanged = app.order_json(id(&order)).await;
    assert_eq!((unchanged["status"].as_str(), unchanged["version"].as_i64()), (Some("pending"), Some(1)));
    assert_eq!(app.events_of("order.paid", 0).await.len(), 0);
    // Within the tolerance, either way, it verifies.
    let fine = app.webhook(&body, Some(&signature(SECRET, t - 290, &body))).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text);
}

#[actix_web::test]
async fn a_matching_payment_pays_the_order_once_and_a_replay_changes_nothing() {
    let app = paying_app().await;
    let (order, token, tea) = pending_order(&app, "alice").await;
    let body = succeeded("evt_pay_1", "pi_123", id(&order), 500, "USD");

    let reply = app.pay_event(&body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body, json!({"received": true, "result": "paid", "reason": null}));
    let paid = app.order_json(id(&order)).await;
    assert_eq!((paid["status"].as_str(), paid["version"].as_i64()), (Some("paid"), Some(2)));
    assert_eq!(paid["payment_reference"], "pi_123");
    assert!(paid["paid_at"].is_string(), "{paid}");

    let again = app.pay_event(&body).await;
    assert_eq!(again.body["result"], "replayed", "{}", again.text);
    assert_eq!(app.order_json(id(&order)).await, paid, "nothing happened a second time");
    let events = app.events_of("order.paid", 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0]["resource"]["id"].as_str(), events[0]["resource"]["version"].as_i64()),
        (Some(id(&order)), Some(2))
    );
    assert_eq!(events[0]["data"]["status"], "paid");
    assert_eq!(app.product(id(&tea)).await["stock"], 8, "paying moves no stock");

    // Paid: the customer can no longer cancel.
    let path = format!("/api/v1/orders/{}", id(&order));
    let cancel = app.patch(&path, &token, json!({"status": "cancelled"}), Stated::etag(2)).await;
    cancel.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn each_payment_that_cannot_pay_writes_why_and_leaves_the_order() {
    let app = paying_app().await;
    // amount_mismatch: a pending order, paid too little, or in another currency.
    let (short, _, _) = pending_order(&app, "alice").await;
    for (event, amount, currency) in [("evt_short", 499, "usd"), ("evt_eur", 500, "eur")] {
        let reply = app.pay_event(&succeeded(event, "pi_s", id(&short), amount, currency)).await;
        assert_eq!(
            reply.body,
            json!({"received": true, "result": "needs_attention", "reason": "amount_mismatch"}),
            "{}",
            reply.text
        );
    }
    assert_eq!(app.order_json(id(&short)).await["status"], "pending");

    // after_cancel: the customer cancelled first; the stock stays returned.
    let (gone, token, tea) = pending_order(&app, "bob").await;
    let path = format!("/api/v1/orders/{}", id(&gone));
    let cancelled = app.patch(&path, &token, json!({"status": "cancelled"}), Stated::etag(1)).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let reply = app.pay_event(&succeeded("evt_late", "pi_late", id(&gone), 500, "usd")).await;
    assert_eq!(reply.body["reason"], "after_cancel", "{}", reply.text);
    assert_eq!(app.order_json(id(&gone)).await["status"], "cancelled");
    assert_eq!(app.product(id(&tea)).await["stock"], 10);

    // duplicate: paid by one intent, then another intent for it.
    let (twice, _, _) = pending_order(&app, "carol").await;
    assert_eq!(app.pay_event(&succeeded("evt_a", "pi_a", id(&twice), 500, "usd")).await.body["result"], "paid");
    let reply = app.pay_event(&succeeded("evt_b", "pi_b", id(&twice), 500, "usd")).await;
    assert_eq!(reply.body["reason"], "duplicate", "{}", reply.text);
    let kept = app.order_json(id(&twice)).await;
    assert_eq!((kept["payment_reference"].as_str(), kept["version"].as_i64()), (Some("pi_a"), Some(2)));

    let attention = app.events_of("order.payment_needs_attention", 4).await;
    let reasons: Vec<_> = attention
        .iter()
        .map(|e| {
            (e["resource"]["id"].as_str().unwrap().to_owned(), e["data"]["reason"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (id(&short).to_owned(), "amount_mismatch".to_owned()),
            (id(&short).to_owned(), "amount_mismatch".to_owned()),
            (id(&gone).to_owned(), "after_cancel".to_owned()),
            (id(&twice).to_owned(), "duplicate".to_owned()),
        ]
    );
    assert_eq!(attention[3]["data"]["status"], "paid", "data is the order as it is, plus reason");
}

#[actix_web::test]
async fn unknown_orders_other_types_and_malformed_events() {
    let app = paying_app().await;
    let nobody = succeeded("evt_x", "pi_x", "01ARZ3NDEKTSV4RRFFQ69G5FAV", 500, "usd");
    assert_eq!(app.pay_event(&nobody).await.body["result"], "ignored");
    let not_ours = succeeded("evt_y", "pi_y", "not-an-order-id", 500, "usd");
    assert_eq!(app.pay_event(&not_ours).await.body["result"], "ignored");
    let other = json!({"id": "evt_z", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}).to_string();
    assert_eq!(app.pay_event(&other).await.body["result"], "ignored");

    let no_amount = json!({"id": "evt_m", "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_m", "currency": "usd", "metadata": {"order_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}}}})
    .to_string();
    let reply = app.pay_event(&no_amount).await;
    reply.assert_problem(400, "validation_failed");
    assert_eq!(reply.fields(), ["data.object.amount_received"]);
    app.pay_event("{not json").await.assert_problem(400, "validation_failed");
    app.pay_event(&json!({"type": "x", "data": {"object": {}}}).to_string())
        .await
        .assert_problem(400, "validation_failed");
    let get = app.get(WEBHOOK, None).await;
    get.assert_problem(405, "method_not_allowed");
    assert_eq!(get.header("allow"), Some("POST"));
}

/// 20 rounds of a payment racing the customer's cancel on a fresh order:
/// exactly one wins each time, and stock comes back only for cancelled ones.
async fn payment_races_cancel(app: TestApp) {
    let (_, token) = app.register("racer").await;
    let tea = app.create_product("Race tea", 100, 1000).await;
    let (mut paid, mut cancelled) = (0, 0);
    for round in 0..20 {
        let order = app.order(&token, &[(id(&tea), 3)]).await.body;
        let body = succeeded(&format!("evt_race_{round}"), &format!("pi_race_{round}"), id(&order), 300, "usd");
        let path = format!("/api/v1/orders/{}", id(&order));
        let pay = app.pay_event(&body);
        let cancel = app.patch(&path, &token, json!({"status": "cancelled"}), Stated::etag(1));
        let (pay, cancel) = futures_util::future::join(pay, cancel).await;
        assert_eq!(pay.status, StatusCode::OK, "{}", pay.text);
        let stored = app.order_json(id(&order)).await;
        match (pay.body["result"].as_str(), cancel.status) {
            (Some("paid"), status) => {
                assert!(status.is_client_error(), "the cancel lost with a 4xx: {status} {}", cancel.text);
                assert_eq!(stored["status"], "paid");
                paid += 1;
            }
            (Some("needs_attention"), StatusCode::OK) => {
                assert_eq!(pay.body["reason"], "after_cancel");
                assert_eq!(stored["status"], "cancelled");
                cancelled += 1;
            }
            other => panic!("round {round}: {other:?}: {} / {}", pay.text, cancel.text),
        }
        assert_eq!(stored["version"], 2, "one change, never both");
    }
    println!("20 payment/cancel races over HTTP: {paid} paid, {cancelled} cancelled");
    assert_eq!(app.product(id(&tea)).await["stock"], 1000 - 3 * paid);
}

#[actix_web::test]
async fn a_payment_racing_a_cancel_has_one_winner_on_sqlite() {
    payment_races_cancel(spawn_app_on(TestDatabase::sqlite_file(4).await, paying_settings()).await).await;
}

#[actix_web::test]
async fn a_payment_racing_a_cancel_has_one_winner_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    payment_races_cancel(spawn_app_on(db, paying_settings()).await).await;
}

/// The same event delivered 10 times at once: one effect.
async fn ten_deliveries_at_once(app: TestApp) {
    let (order, _, _) = pending_order(&app, "alice").await;
    let body = succeeded("evt_burst", "pi_burst", id(&order), 500, "usd");
    let replies = futures_util::future::join_all((0..10).map(|_| app.pay_event(&body))).await;
    let results: Vec<_> = replies.iter().map(|r| r.body["result"].as_str().unwrap_or(&r.text).to_owned()).collect();
    assert_eq!(results.iter().filter(|r| *r == "paid").count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| *r == "replayed").count(), 9, "{results:?}");
    assert_eq!(app.order_json(id(&order)).await["version"], 2);
    assert_eq!(app.events_of("order.paid", 1).await.len(), 1);
}

#[actix_web::test]
async fn one_event_ten_times_at_once_pays_once_on_sqlite() {
    ten_deliveries_at_once(spawn_app_on(TestDatabase::sqlite_file(4).await, paying_settings()).await).await;
}

#[actix_web::test]
async fn one_event_ten_times_at_once_pays_once_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    ten_deliveries_at_once(spawn_app_on(db, paying_settings()).await).await;
}

#[actix_web::test]
async fn an_unpaid_order_expires_with_its_stock_and_a_paid_one_does_not() {
    let settings = Settings { order_payment_timeout_s: 2, ..paying_settings() };
    let app = spawn_app_on(TestDatabase::sqlite().await, settings).await;
    let admin = Some(app.admin_token.as_str());
    let once = json!({"code": "ONCE", "kind": "fixed", "value": 100, "currency": "USD", "max_uses": 1});
    let code = app.post("/api/v1/discounts", admin, once).await;
    assert_eq!(code.status, StatusCode::CREATED, "{}", code.text);
    let (_, alice) = app.register("alice").await;
    let tea = app.create_product("Expiring tea", 300, 10).await;
    let with_code = json!({"items": [{"product_id": id(&tea), "quantity": 2}], "discount_code": "ONCE"});
    let unpaid = app.post("/api/v1/orders", Some(&alice), with_code).await;
    assert_eq!(unpaid.status, StatusCode::CREATED, "{}", unpaid.text);
    assert_eq!(unpaid.body["total_cents"], 500);
    let unpaid = unpaid.body;
    let (paid, _, _) = pending_order(&app, "bob").await;
    assert_eq!(app.pay_event(&succeeded("evt_in_time", "pi_t", id(&paid), 500, "usd")).await.body["result"], "paid");
    let started = std::time::Instant::now();
    let expired = loop {
        let now = app.order_json(id(&unpaid)).await;
        if now["status"] == "cancelled" || started.elapsed() > std::time::Duration::from_secs(10) {
            break now;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    println!("expired {:?} after the order was placed", started.elapsed());
    assert_eq!(
        (expired["status"].as_str(), expired["cancel_reason"].as_str()),
        (Some("cancelled"), Some("payment_timeout")),
        "{expired}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(7), "within 5 s after the 2 s timeout");
    assert_eq!(app.product(id(&tea)).await["stock"], 10, "its stock is back");
    let code = app.get(&format!("/api/v1/discounts/{}", id(&code.body)), admin).await;
    assert_eq!(code.body["uses"], 0, "its discount use is back: {}", code.text);
    assert_eq!(app.order_json(id(&paid)).await["status"], "paid");
    let cancelled = app.events_of("order.cancelled", 1).await;
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["data"]["cancel_reason"], "payment_timeout");
    // A payment arriving after the expiry is not taken.
    let late = app.pay_event(&succeeded("evt_late", "pi_late", id(&unpaid), 500, "usd")).await;
    assert_eq!(late.body["reason"], "after_cancel");
}
