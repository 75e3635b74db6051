//! Seed paths for tokens and users: `POST /token`, `POST /create_user/`,
//! `GET|PUT|DELETE /users/{user_id}` (the
//! parameter is named `id` in the OpenAPI document, as in v1, so tools that
//! follow `Location` links find it).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use zonmart_app::AppError;
use zonmart_domain::{UserId, Version};

use super::dto::{MessageBody, SeedTokenBody};
use crate::dto::auth::TokenForm;
use crate::dto::users::{RegisterRequest, UpdateUserRequest, UserBody};
use crate::extract::{parse_id, ApiForm, ApiJson, ApiQuery, Authenticated};
use crate::problem::{ApiError, ProblemDetails};
use crate::rate_limit::AuthLimit;
use crate::routes::auth::limited_post;
use crate::routes::method_not_allowed;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig, auth_limit: &AuthLimit) {
    cfg.service(limited_post("/token", token, auth_limit))
        .service(limited_post("/create_user/", create_user, auth_limit))
        .service(
            web::resource("/users/{id}")
                .route(web::get().to(get_user))
                .route(web::put().to(update_user))
                .route(web::delete().to(delete_user))
                .default_service(method_not_allowed("GET, PUT, DELETE")),
        );
}

/// `?current_version=N`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CurrentVersion {
    #[param(minimum = 1)]
    pub current_version: Option<i64>,
}

fn version_param(raw: Option<i64>) -> Result<Option<Version>, ApiError> {
    raw.map(|v| Version::new(v).map_err(|e| ApiError::invalid("current_version", e.to_string()))).transpose()
}

/// Seed login (OAuth2 password form). Use `POST /api/v1/auth/token`.
#[deprecated]
#[utoipa::path(post, operation_id = "seed_token", path = "/token", tag = "seed compatibility",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = SeedTokenBody),
        (status = 401, description = "Wrong username or password", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn token(state: web::Data<AppState>, form: ApiForm<TokenForm>) -> Result<HttpResponse, ApiError> {
    let form = form.0;
    let tokens = state.auth.login(&form.username, &form.password).await?;
    Ok(HttpResponse::Ok().json(SeedTokenBody { access_token: tokens.access_token, token_type: "bearer" }))
}

/// Seed registration. Use `POST /api/v1/auth/register`.
#[deprecated]
#[utoipa::path(post, operation_id = "seed_create_user", path = "/create_user/", tag = "seed compatibility", request_body = RegisterRequest, responses(
    (status = 200, body = UserBody),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_user(state: web::Data<AppState>, body: ApiJson<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    // The seed's `{username, password, address}` is v1's registration body.
    let user = state.users.register(body.0.into_domain()?).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(&user)))
}

/// Seed read of a user. Use `GET /api/v1/users/{id}`.
#[deprecated]
#[utoipa::path(get, operation_id = "seed_get_user", path = "/users/{id}", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The user's ULID")), responses(
    (status = 200, body = UserBody),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = state.users.get(&caller.0, parse_id::<UserId>(&path, "id")?).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(&user)))
}

/// Seed update: the version goes in `?current_version=`; stale or missing is
/// 409 with `current_version`. Use `PATCH /api/v1/users/{id}`.
#[deprecated]
#[utoipa::path(put, operation_id = "seed_update_user", path = "/users/{id}", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The user's ULID"), CurrentVersion), request_body = UpdateUserRequest, responses(
    (status = 200, body = UserBody),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "Stale or missing `current_version`", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: ApiQuery<CurrentVersion>,
    auth_limit: web::Data<AuthLimit>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.0.current_password.is_some() {
        auth_limit.charge(&req).await?;
    }
    let id: UserId = parse_id(&path, "id")?;
    let stated = version_param(query.current_version.or(body.0.version))?;
    let Some(expected) = stated else {
        // The seed answered a missing version like a stale one.
        let current = state.users.get(&caller.0, id).await?;
        return Err(AppError::VersionConflict { current: current.version }.into());
    };
    let changes = body.0.into_domain()?;
    let user = state.users.update(&caller.0, id, expected, changes).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(&user)))
}

/// Seed delete: unconditional without `?current_version=`, as old clients
/// expect; with it, stale is 409. Use `DELETE /api/v1/users/{id}`.
#[deprecated]
#[utoipa::path(delete, operation_id = "seed_delete_user", path = "/users/{id}", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The user's ULID"), CurrentVersion), responses(
    (status = 200, body = MessageBody),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: ApiQuery<CurrentVersion>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = parse_id(&path, "id")?;
    state.users.delete(&caller.0, id, version_param(query.current_version)?).await?;
    Ok(HttpResponse::Ok().json(MessageBody { message: "User deleted" }))
}
