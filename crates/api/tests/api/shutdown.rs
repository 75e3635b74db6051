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

/// The process's CPU time so far (user + system), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    // After the command name: state is field 3, utime and stime 14 and 15.
    fields.get(11).zip(fields.get(12)).map_or(0, |(u, s)| u.parse::<u64>().unwrap_or(0) + s.parse::<u64>().unwrap_or(0))
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

    let pid = server.0.id();
    let idle_cpu = cpu_ticks(pid);
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&json!({"username": "admin", "password": "admin-password"}));
    let in_flight = actix_web::rt::spawn(async move { login.await.map(|res| res.status()) });
    // The login is in flight once the server is hashing: its CPU time grows
    // (a cost-14 hash takes seconds; an idle server uses next to none).
    let started = Instant::now();
    while cpu_ticks(pid) < idle_cpu + 10 {
        assert!(started.elapsed() < Duration::from_secs(20), "the server never started on the login");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
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
