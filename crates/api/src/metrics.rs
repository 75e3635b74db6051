//! `GET /metrics`: Prometheus text. Requests are counted by method, route
//! pattern (never the raw path, so ids cannot explode the label space) and
//! status, with a latency histogram; the pool's size, idle and waiting
//! connections, each read replica's usability and lag, the outbox's backlog
//! (events not yet fanned out to webhooks) and the webhook deliveries by
//! status are read at each scrape; dispatch rounds record deliveries sent
//! and accepted and the latency from an event's commit to its receiver.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{web, HttpResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::routes::method_not_allowed;
use crate::state::AppState;

const REQUESTS: &str = "zonmart_http_requests_total";
const LATENCY: &str = "zonmart_http_request_duration_seconds";
const LATENCY_BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// The process-wide recorder, installed on first use (tests start many apps
/// in one process; they share it).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(LATENCY.to_owned()), &LATENCY_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed; /metrics will be empty");
                    None
                }
            }
        })
        .as_ref()
}

/// How often histogram samples are folded in between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the recorder now, so the first requests are counted too, and
/// folds samples in periodically: without it, every request's latency
/// sample is kept until the next scrape, and memory grows with traffic
/// when nobody scrapes.
pub fn init() {
    if let Some(handle) = recorder() {
        let handle = handle.clone();
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(UPKEEP_EVERY);
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    }
}

/// Records one answered request.
pub fn record_request(method: &str, route: &str, status: u16, latency: Duration) {
    let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(LATENCY, &labels[..2]).record(latency.as_secs_f64());
}

/// One dispatch round that sent something: deliveries by outcome, the
/// round's duration, and for each accepted delivery how long after its
/// event's commit the receiver had it.
pub fn record_dispatch_round(round: &zonmart_app::webhooks::Round, took: Duration) {
    metrics::counter!("zonmart_webhook_deliveries_sent_total").increment(round.sent as u64);
    metrics::counter!("zonmart_webhook_deliveries_accepted_total").increment(round.succeeded as u64);
    metrics::histogram!("zonmart_webhook_round_seconds").record(took.as_secs_f64());
    for ms in &round.accepted_after_ms {
        metrics::histogram!("zonmart_webhook_delivery_latency_seconds").record(*ms as f64 / 1000.0);
    }
}

/// Orders the expiry cancelled for want of payment.
pub fn record_expired_orders(expired: usize) {
    metrics::counter!("zonmart_orders_expired_total").increment(expired as u64);
}

/// One payment webhook event, by what it did (`paid`, `needs_attention`, ...).
pub fn record_payment_event(result: &'static str) {
    metrics::counter!("zonmart_payment_events_total", "result" => result).increment(1);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(scrape)).default_service(method_not_allowed("GET")));
}

/// Prometheus metrics (not rate limited).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"),
))]
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.database.pool_status();
    metrics::gauge!("zonmart_db_pool_max_connections").set(pool.max_size as f64);
    metrics::gauge!("zonmart_db_pool_connections").set(pool.size as f64);
    metrics::gauge!("zonmart_db_pool_idle_connections").set(pool.available as f64);
    metrics::gauge!("zonmart_db_pool_in_use_connections").set(pool.size.saturating_sub(pool.available) as f64);
    metrics::gauge!("zonmart_db_pool_waiting_requests").set(pool.waiting as f64);
    if let Some(writer) = state.database.writer_status() {
        // SQLite: writes queue in the process for its one writer connection.
        metrics::gauge!("zonmart_db_writer_busy").set(writer.size.saturating_sub(writer.available) as f64);
        metrics::gauge!("zonmart_db_writer_queue_waiting").set(writer.waiting as f64);
    }
    for replica in state.database.replica_status() {
        let labels = [("replica", replica.address)];
        metrics::gauge!("zonmart_db_replica_usable", &labels).set(if replica.usable { 1.0 } else { 0.0 });
        if let Some(lag) = replica.lag {
            metrics::gauge!("zonmart_db_replica_lag_seconds", &labels).set(lag.as_secs_f64());
        }
    }
    match state.webhooks.counts().await {
        Ok(counts) => {
            metrics::gauge!("zonmart_outbox_backlog_events").set(counts.backlog as f64);
            for (status, n) in [("pending", counts.pending), ("succeeded", counts.succeeded), ("failed", counts.failed)]
            {
                metrics::gauge!("zonmart_webhook_deliveries", "status" => status).set(n as f64);
            }
        }
        // The rest of the page is still worth having; the gauges keep their
        // last value and the log says why.
        Err(e) => tracing::warn!(error = %e, "reading the webhook queue for /metrics failed"),
    }
    let body = recorder().map(PrometheusHandle::render).unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body)
}
