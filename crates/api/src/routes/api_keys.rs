//! `/api/v1/api-keys`: service API keys (admin). The key itself is in the
//! creation's answer only; `DELETE` (versioned) revokes it at once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{ApiKeyId, ValidationErrors};

use crate::dto::api_keys::{ApiKeyBody, CreateApiKeyRequest, CreatedApiKeyBody};
use crate::dto::page::{PageBody, PageQuery};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/api-keys")
            .route(web::get().to(list_api_keys))
            .route(web::post().to(create_api_key))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/api-keys/{id}")
            .route(web::get().to(get_api_key))
            .route(web::delete().to(revoke_api_key))
            .default_service(method_not_allowed("GET, DELETE")),
    );
}

/// Create a service API key (admin); the key is shown in this answer only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api keys", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateApiKeyRequest, responses(
    (status = 201, body = CreatedApiKeyBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let issued = state.api_keys.create(&caller.0, body.0.into_domain()?).await?;
    let body = CreatedApiKeyBody { body: ApiKeyBody::from(&issued.key), key: issued.secret };
    Ok(created(format!("/api/v1/api-keys/{}", issued.key.id), issued.key.version, &body))
}

/// List service API keys, newest first, revoked ones too (admin).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api keys", security(("bearer" = []), ("oauth2" = [])),
    params(PageQuery), responses(
    (status = 200, body = PageBody<ApiKeyBody>),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let page = query.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let keys = state.api_keys.list(&caller.0, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(keys, |k| ApiKeyBody::from(&k))))
}

/// Read a service API key (admin; never the key itself).
#[utoipa::path(get, path = "/api/v1/api-keys/{id}", tag = "api keys", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The key's ULID")), responses(
    (status = 200, body = ApiKeyBody, headers(("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_api_key(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = state.api_keys.get(&caller.0, parse_id::<ApiKeyId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, key.version, &ApiKeyBody::from(&key)))
}

/// Revoke a service API key (admin; versioned): it answers 401 at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api keys", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The key's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Revoked"),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn revoke_api_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: ApiKeyId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.api_keys.revoke(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
