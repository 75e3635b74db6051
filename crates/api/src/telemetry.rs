//! Logging set-up and the per-request context: the request id and one
//! structured log line per request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;
use zonmart_domain::UserId;

use crate::config::LogFormat;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber. Safe to call twice (the second is a no-op).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// The id of the request being served.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The user a request was made by, for its log line (set by the
/// authentication extractors).
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub UserId);

/// A client's own id is kept when it is a sane token; otherwise a new ULID.
fn accept_request_id(value: Option<&HeaderValue>) -> String {
    value
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| ulid::Ulid::generate().to_string())
}

/// Middleware: gives every request an id (echoed in `X-Request-Id`), runs it
/// inside a span naming that id, and logs one line when it is answered.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = accept_request_id(req.headers().get(&REQUEST_ID));
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let span = tracing::info_span!("request", request_id = %request_id);
    let method = req.method().clone();
    let started = Instant::now();

    let mut res = next.call(req).instrument(span.clone()).await?;

    let status = res.status().as_u16();
    let route = res.request().match_pattern().unwrap_or_else(|| "<unmatched>".into());
    let user_id = res.request().extensions().get::<Caller>().map(|caller| caller.0.to_string());
    let latency = started.elapsed();
    crate::metrics::record_request(method.as_str(), &route, status, latency);
    let latency_ms = latency.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            %method, %route, status, latency_ms = format!("{latency_ms:.2}"),
            user_id = user_id.as_deref().unwrap_or("-"), "request"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_client_request_id_is_kept() {
        assert_eq!(accept_request_id(Some(&HeaderValue::from_static("abc-123:x.y_z"))), "abc-123:x.y_z");
    }

    #[test]
    fn an_odd_or_long_request_id_is_replaced_by_a_ulid() {
        for bad in ["has space", "", "é"] {
            let id = accept_request_id(HeaderValue::from_str(bad).ok().as_ref());
            assert_eq!(id.len(), 26, "{bad}");
        }
        let long = "a".repeat(65);
        assert_eq!(accept_request_id(Some(&HeaderValue::from_str(&long).unwrap())).len(), 26);
    }
}
