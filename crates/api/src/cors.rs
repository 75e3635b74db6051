//! CORS as API.md states it: listed origins only (`ZONMART_CORS_ORIGINS`),
//! the API's methods and request headers, `ETag`, `Location`, `Retry-After`
//! and `X-Request-Id` exposed, credentials for listed origins only; other
//! origins get no CORS headers at all.

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use zonmart_app::AppError;

use crate::problem::ApiError;
use crate::telemetry::REQUEST_ID;

/// The actix-cors policy for `origins`.
pub fn policy(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            REQUEST_ID,
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER, REQUEST_ID])
        .supports_credentials()
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin.trim_end_matches('/'));
    }
    cors
}

/// Wraps the policy: actix-cors adds `Expose-Headers` and
/// `Allow-Credentials` to every response, listed origin or not; this takes
/// them off where no origin was allowed, and answers a refused preflight
/// with a problem document instead of plain text.
pub async fn only_for_listed_origins(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let preflight =
        req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = next.call(req).await?.map_into_boxed_body();
    if res.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        return Ok(res);
    }
    if preflight && res.status().is_client_error() {
        let refused = ApiError::App(AppError::Forbidden("this origin may not call the API from a browser".into()));
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(req, refused.error_response()));
    }
    let cors_headers: Vec<_> =
        res.headers().keys().filter(|name| name.as_str().starts_with("access-control-")).cloned().collect();
    for name in cors_headers {
        res.headers_mut().remove(name);
    }
    Ok(res)
}
