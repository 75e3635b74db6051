//! `/api/v1/users`: the user resource.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{UserId, ValidationErrors};
use zonmart_ports::UserFilter;

use crate::dto::page::{PageBody, PageQuery};
use crate::dto::users::{CreateUserRequest, UpdateUserRequest, UserBody, UserListQuery};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition, TokenHolder};
use crate::problem::{ApiError, ProblemDetails};
use crate::rate_limit::AuthLimit;
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/users")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(web::resource("/api/v1/users/me").route(web::get().to(me)).default_service(method_not_allowed("GET")))
    .service(
        web::resource("/api/v1/users/{id}")
            .route(web::get().to(get_user))
            .route(web::patch().to(update_user))
            .route(web::delete().to(delete_user))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    );
}

fn user_response(status: StatusCode, user: &zonmart_domain::User) -> HttpResponse {
    resource(status, user.version, &UserBody::from(user))
}

/// The caller's own user.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = []), ("oauth2" = [])), responses(
    (status = 200, body = UserBody, headers(("ETag" = String))),
))]
pub async fn me(state: web::Data<AppState>, caller: TokenHolder) -> Result<HttpResponse, ApiError> {
    let user = caller.current_user(&state).await?;
    Ok(user_response(StatusCode::OK, &user))
}

/// Create a user of any role (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateUserRequest, responses(
    (status = 201, body = UserBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let (new_user, role) = body.0.into_domain()?;
    let user = state.users.create(&caller.0, new_user, role).await?;
    Ok(created(format!("/api/v1/users/{}", user.id), user.version, &UserBody::from(&user)))
}

/// List users, newest first (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = []), ("oauth2" = [])),
    params(UserListQuery), responses(
    (status = 200, body = PageBody<UserBody>),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let filter = UserFilter { q: query.q.filter(|q| !q.is_empty()), role: query.role.map(Into::into) };
    let users = state.users.list(&caller.0, &filter, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(users, |u| UserBody::from(&u))))
}

/// Read a user (self or admin).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The user's ULID")), responses(
    (status = 200, body = UserBody, headers(("ETag" = String))),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = parse_id(&path, "id")?;
    let user = state.users.get(&caller.0, id).await?;
    Ok(user_response(StatusCode::OK, &user))
}

/// Update a user (self or admin; versioned).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The user's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted: `\"3\"` (or send `version` in the body)"),
    ),
    request_body = UpdateUserRequest, responses(
    (status = 200, body = UserBody, headers(("ETag" = String))),
    (status = 403, description = "`role`/`disabled` by a customer, or a wrong `current_password`", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "Stale body `version`, or a duplicate username/e-mail", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 412, description = "Stale `If-Match`", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 428, description = "No version stated", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    auth_limit: web::Data<AuthLimit>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.0.current_password.is_some() {
        auth_limit.charge(&req).await?;
    }
    let id: UserId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let user = precondition.write(|version| state.users.update(&caller.0, id, version, changes)).await?;
    Ok(user_response(StatusCode::OK, &user))
}

/// Delete a user (self or admin; versioned). They can no longer log in;
/// their orders stay.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The user's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted: `\"3\"` (or send `{\"version\": 3}`)"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Deleted"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn delete_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.users.delete(&caller.0, id, Some(version))).await?;
    Ok(HttpResponse::NoContent().finish())
}
