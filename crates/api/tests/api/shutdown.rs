//! SIGTERM stops the `zonmart` binary gracefully: a request in flight is
//! answered, then the process exits 0.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::{free_port, wait_until_ok};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

#[actix_web::test]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_zero() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_zonmart"))
        .env_clear()
        .env("ZONMART_DATABASE_URL", "sqlite::memory:")
        .env("ZONMART_BIND", format!("127.0.0.1:{port}"))
        .env("ZONMART_JWT_SECRET", "shutdown-test-secret-shutdown-test-secret")
        // A slow hash keeps the login in flight while the signal arrives.
        .env("ZONMART_BCRYPT_COST", "14")
        .env("ZONMART_ADMIN_USERNAME", "admin")
        .env("ZONMART_ADMIN_PASSWORD", "admin-password")
        .env("ZONMART_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the zonmart binary starts");
    let mut server = Server(child);
    let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
    wait_until_ok(&client, &format!("{base}/health")).await;

    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&json!({"username": "admin", "password": "admin-password"}));
    let in_flight = actix_web::rt::spawn(async move { login.await.map(|res| res.status()) });
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let signalled = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().expect("kill runs");
    assert!(signalled.success());

    let answered = in_flight.await.expect("the request task").expect("the request in flight is answered");
    assert_eq!(answered, StatusCode::OK);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("the process can be waited on") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(35), "still running 35 s after SIGTERM");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0));
    assert!(client.get(format!("{base}/health")).send().await.is_err(), "no longer accepting");
}
