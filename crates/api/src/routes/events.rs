//! `/api/v1/events`: the event feed (admin or `events:read`), oldest first,
//! every committed event exactly once to a consumer following the cursors.

use actix_web::{web, HttpResponse};

use crate::dto::events::{EventFeedQuery, EventPageBody};
use crate::extract::{ApiQuery, Authenticated};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::method_not_allowed;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/events").route(web::get().to(list_events)).default_service(method_not_allowed("GET")),
    );
}

/// The event feed, oldest first (admin or `events:read`).
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = []), ("oauth2" = [])),
    params(EventFeedQuery), responses(
    (status = 200, body = EventPageBody),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<EventFeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, filter, limit) = query.check()?;
    let page = state.events.feed(&caller.0, after, &filter, limit).await?;
    Ok(HttpResponse::Ok().json(EventPageBody::from(page)))
}
