//! A database outage never hangs requests: while PostgreSQL is unreachable
//! the API answers 503 `unavailable` quickly, and when it is back the same
//! server recovers by itself.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use zonmart_adapters::testing::TestDatabase;

use crate::proxy::ChaosProxy;
use crate::support::*;

/// How long a request may take while the database is gone.
const QUICK: Duration = Duration::from_secs(7);

#[actix_web::test]
async fn a_database_outage_gives_quick_503s_and_the_server_recovers_by_itself() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let upstream = db.postgres_address().expect("a TCP address for PostgreSQL");
    let proxy = ChaosProxy::start(upstream).await;
    let through_proxy = db.database_via(proxy.addr);
    let app = spawn_app_with(db, through_proxy, zonmart_api::Settings::for_tests()).await;
    let (_, token) = app.register("alice").await;
    let tea = app.create_product("Tea", 250, 10).await;
    let tea_path = format!("/api/v1/products/{}", tea["id"].as_str().unwrap());
    assert_eq!(app.get("/ready", None).await.status, StatusCode::OK);

    proxy.cut();
    for path in ["/ready", tea_path.as_str(), "/api/v1/products", "/api/v1/users/me"] {
        let started = Instant::now();
        let reply = app.get(path, Some(&token)).await;
        let took = started.elapsed();
        reply.assert_problem(503, "unavailable");
        assert!(reply.header("retry-after").is_some(), "{path}");
        assert!(took < QUICK, "{path} took {took:?} while the database was down");
    }
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK, "liveness does not depend on the database");

    proxy.restore();
    let back = Instant::now();
    loop {
        if app.get("/ready", None).await.status == StatusCode::OK {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(15), "not ready 15 s after the database came back");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("ready again {:?} after the database came back", back.elapsed());
    assert_eq!(app.get(&tea_path, None).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/users/me", Some(&token)).await.status, StatusCode::OK);
}
