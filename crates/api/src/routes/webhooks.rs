//! `/api/v1/webhooks`: subscriptions (admin or `webhooks:manage`), their
//! deliveries log and manual retries.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::ids::parse_ulid;
use zonmart_domain::{DeliveryStatus, ValidationErrors, WebhookId};

use crate::dto::page::{PageBody, PageQuery};
use crate::dto::webhooks::{
    CreateWebhookRequest, CreatedWebhookBody, DeliveryBody, DeliveryListQuery, UpdateWebhookRequest, WebhookBody,
};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/webhooks")
            .route(web::get().to(list_webhooks))
            .route(web::post().to(create_webhook))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/webhooks/{id}")
            .route(web::get().to(get_webhook))
            .route(web::patch().to(update_webhook))
            .route(web::delete().to(delete_webhook))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    )
    .service(
        web::resource("/api/v1/webhooks/{id}/deliveries")
            .route(web::get().to(list_deliveries))
            .default_service(method_not_allowed("GET")),
    )
    .service(
        web::resource("/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry")
            .route(web::post().to(retry_delivery))
            .default_service(method_not_allowed("POST")),
    );
}

/// Subscribe a receiver (admin or `webhooks:manage`); the secret is shown in this answer only.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateWebhookRequest, responses(
    (status = 201, body = CreatedWebhookBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let made = state.webhooks.create(&caller.0, body.0.into_domain()?).await?;
    let body = CreatedWebhookBody { body: WebhookBody::from(&made.webhook), secret: made.secret };
    Ok(created(format!("/api/v1/webhooks/{}", made.webhook.id), made.webhook.version, &body))
}

/// List subscriptions, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = []), ("oauth2" = [])),
    params(PageQuery), responses(
    (status = 200, body = PageBody<WebhookBody>),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let page = query.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hooks = state.webhooks.list(&caller.0, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(hooks, |w| WebhookBody::from(&w))))
}

/// Read a subscription (never its secret).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The subscription's ULID")), responses(
    (status = 200, body = WebhookBody, headers(("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let hook = state.webhooks.get(&caller.0, parse_id::<WebhookId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, hook.version, &WebhookBody::from(&hook)))
}

/// Change a subscription (versioned): `url`, `events`, `description`, `enabled`.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The subscription's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body = UpdateWebhookRequest, responses(
    (status = 200, body = WebhookBody, headers(("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: WebhookId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let hook = precondition.write(|version| state.webhooks.update(&caller.0, id, version, changes)).await?;
    Ok(resource(StatusCode::OK, hook.version, &WebhookBody::from(&hook)))
}

/// Delete a subscription (versioned) and its deliveries.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The subscription's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Deleted"),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn delete_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: WebhookId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.webhooks.delete(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's deliveries, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The subscription's ULID"), DeliveryListQuery), responses(
    (status = 200, body = PageBody<DeliveryBody>),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: ApiQuery<DeliveryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: WebhookId = parse_id(&path, "id")?;
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let status = query.status.as_deref().and_then(|s| errors.check("status", s.parse::<DeliveryStatus>()));
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let deliveries = state.webhooks.deliveries(&caller.0, id, status, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(deliveries, |d| DeliveryBody::from(&d))))
}

/// Send a delivery again soon.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks",
    security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The subscription's ULID"),
        ("delivery_id" = String, Path, description = "The delivery's ULID"),
    ),
    responses(
    (status = 202, description = "It will be sent again soon"),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let id: WebhookId = parse_id(&id, "id")?;
    let delivery_id = parse_ulid(&delivery_id).map_err(|e| ApiError::invalid("delivery_id", e.to_string()))?;
    state.webhooks.retry(&caller.0, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().finish())
}
