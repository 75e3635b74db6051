//! `/api/v1/auth/*`: registration, login, refresh, logout. Register, login,
//! token and refresh are rate limited per client IP.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::dto::auth::{LoginRequest, RefreshRequest, TokenBody, TokenForm};
use crate::dto::users::{RegisterRequest, UserBody};
use crate::extract::{ApiForm, ApiJson};
use crate::problem::{ApiError, ProblemDetails};
use crate::rate_limit::AuthLimit;
use crate::routes::{created, method_not_allowed};
use crate::state::AppState;

/// A POST-only auth resource, behind the per-IP auth limit when there is one.
pub fn limited_post<F, Args>(
    path: &str,
    handler: F,
    limit: &AuthLimit,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path).route(web::post().to(handler)).default_service(method_not_allowed("POST")).wrap(
        actix_web::middleware::from_fn({
            let limit = limit.clone();
            move |req, next| limit.clone().enforce(req, next)
        }),
    )
}

pub fn configure(cfg: &mut web::ServiceConfig, limit: &AuthLimit) {
    cfg.service(limited_post("/api/v1/auth/register", register, limit))
        .service(limited_post("/api/v1/auth/login", login, limit))
        .service(limited_post("/api/v1/auth/token", token, limit))
        .service(limited_post("/api/v1/auth/refresh", refresh, limit))
        .service(
            web::resource("/api/v1/auth/logout")
                .route(web::post().to(logout))
                .default_service(method_not_allowed("POST")),
        );
}

/// Register a new customer.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, description = "Registered; `Location` names the new user", body = UserBody,
        headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "Invalid input", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "Username or e-mail taken (`duplicate`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn register(state: web::Data<AppState>, body: ApiJson<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    let user = state.users.register(body.0.into_domain()?).await?;
    Ok(created(format!("/api/v1/users/{}", user.id), user.version, &UserBody::from(&user)))
}

/// Log in with a username (or e-mail) and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenBody),
    (status = 401, description = "Wrong username or password", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 429, description = "Too many attempts from this IP", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn login(state: web::Data<AppState>, body: ApiJson<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let tokens = state.auth.login(&body.0.username, &body.0.password).await?;
    Ok(HttpResponse::build(StatusCode::OK).json(TokenBody::from(tokens)))
}

/// OAuth2 password grant (`application/x-www-form-urlencoded`), used by
/// Swagger UI's Authorize button.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenBody),
        (status = 401, description = "Wrong username or password", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
pub async fn token(state: web::Data<AppState>, form: ApiForm<TokenForm>) -> Result<HttpResponse, ApiError> {
    let form = form.0;
    if form.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::invalid("grant_type", "only the `password` grant is supported"));
    }
    let tokens = state.auth.login(&form.username, &form.password).await?;
    Ok(HttpResponse::Ok().json(TokenBody::from(tokens)))
}

/// Trade a refresh token for a new pair. The old one is used up; presenting
/// it again revokes every token of its login.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenBody),
    (status = 401, description = "Unknown, expired, used or revoked refresh token", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn refresh(state: web::Data<AppState>, body: ApiJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let tokens = state.auth.refresh(&body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenBody::from(tokens)))
}

/// Log out: revokes the refresh token and every token rotated from the same
/// login. The refresh token is the credential; no access token is needed.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest, responses(
    (status = 204, description = "Logged out"),
    (status = 401, description = "Unknown refresh token", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn logout(state: web::Data<AppState>, body: ApiJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    state.auth.logout(&body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
