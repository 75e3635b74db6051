//! Liveness and readiness.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use zonmart_app::AppError;

use crate::problem::{ApiError, ProblemDetails};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health").route(web::get().to(health)).default_service(super::method_not_allowed("GET")),
    )
    .service(web::resource("/ready").route(web::get().to(ready)).default_service(super::method_not_allowed("GET")));
}

#[derive(Serialize, ToSchema)]
pub struct StatusBody {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: 200 while the process runs.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = StatusBody)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(StatusBody { status: "ok" })
}

/// Readiness: 200 when the database answers, else 503.
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, body = StatusBody),
    (status = 503, description = "The database does not answer", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.health.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(StatusBody { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::App(AppError::Unavailable))
        }
    }
}
