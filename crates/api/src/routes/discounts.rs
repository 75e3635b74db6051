//! `/api/v1/discounts`: discount codes, admins only (reads included);
//! writes versioned; `DELETE` archives.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{DiscountId, ValidationErrors};

use crate::dto::discounts::{CreateDiscountRequest, DiscountBody, DiscountListQuery, UpdateDiscountRequest};
use crate::dto::page::{PageBody, PageQuery};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/discounts")
            .route(web::get().to(list_discounts))
            .route(web::post().to(create_discount))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/discounts/{id}")
            .route(web::get().to(get_discount))
            .route(web::patch().to(update_discount))
            .route(web::delete().to(archive_discount))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    );
}

/// Discount codes (admin), newest first; `q`: a code prefix.
#[utoipa::path(get, path = "/api/v1/discounts", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(DiscountListQuery), responses(
    (status = 200, description = "A page of discount codes", body = PageBody<DiscountBody>),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_discounts(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<DiscountListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let codes = state.discounts.list(&caller.0, query.q.as_deref(), page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(codes, |d| DiscountBody::from(&d))))
}

/// Read a discount code (admin); archived ones too.
#[utoipa::path(get, path = "/api/v1/discounts/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The code's ULID")), responses(
    (status = 200, description = "The discount code", body = DiscountBody, headers(("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such code", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_discount(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = state.discounts.get(&caller.0, parse_id::<DiscountId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, code.version, &DiscountBody::from(&code)))
}

/// Create a discount code (admin).
#[utoipa::path(post, path = "/api/v1/discounts", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateDiscountRequest, responses(
    (status = 201, description = "Created", body = DiscountBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "The code is taken (`duplicate`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_discount(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateDiscountRequest>,
) -> Result<HttpResponse, ApiError> {
    let code = state.discounts.create(&caller.0, body.0.into_domain()?).await?;
    Ok(created(format!("/api/v1/discounts/{}", code.id), code.version, &DiscountBody::from(&code)))
}

/// Change a discount code (admin; versioned); `uses` only moves with orders.
#[utoipa::path(patch, path = "/api/v1/discounts/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The code's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted (or send `version` in the body)"),
    ),
    request_body = UpdateDiscountRequest, responses(
    (status = 200, description = "Changed", body = DiscountBody, headers(("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such code", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_discount(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateDiscountRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: DiscountId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let code = precondition.write(|version| state.discounts.update(&caller.0, id, version, changes)).await?;
    Ok(resource(StatusCode::OK, code.version, &DiscountBody::from(&code)))
}

/// Archive a discount code (admin; versioned): orders no longer find it.
#[utoipa::path(delete, path = "/api/v1/discounts/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The code's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Archived"),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such code", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn archive_discount(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: DiscountId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.discounts.archive(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
