//! `/api/v1/shipping-methods`: public reads, admin writes (versioned);
//! `DELETE` archives.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{CountryCode, ShippingMethodId, ValidationErrors};

use crate::dto::page::{PageBody, PageQuery};
use crate::dto::shipping_methods::{
    CreateShippingMethodRequest, ShippingMethodBody, ShippingMethodListQuery, UpdateShippingMethodRequest,
};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/shipping-methods")
            .route(web::get().to(list_shipping_methods))
            .route(web::post().to(create_shipping_method))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/shipping-methods/{id}")
            .route(web::get().to(get_shipping_method))
            .route(web::patch().to(update_shipping_method))
            .route(web::delete().to(archive_shipping_method))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    );
}

/// Live shipping methods (public), newest first; `country`: only those shipping there.
#[utoipa::path(get, path = "/api/v1/shipping-methods", tag = "checkout", params(ShippingMethodListQuery), responses(
    (status = 200, description = "A page of shipping methods", body = PageBody<ShippingMethodBody>),
))]
pub async fn list_shipping_methods(
    state: web::Data<AppState>,
    query: ApiQuery<ShippingMethodListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    let country = query.country.as_deref().and_then(|c| errors.check("country", CountryCode::parse(c)));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let methods = state.shipping_methods.list(country, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(methods, |m| ShippingMethodBody::from(&m))))
}

/// Read a shipping method (public); archived ones too.
#[utoipa::path(get, path = "/api/v1/shipping-methods/{id}", tag = "checkout",
    params(("id" = String, Path, description = "The method's ULID")), responses(
    (status = 200, description = "The shipping method", body = ShippingMethodBody, headers(("ETag" = String))),
    (status = 404, description = "No such method", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_shipping_method(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let method = state.shipping_methods.get(parse_id::<ShippingMethodId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, method.version, &ShippingMethodBody::from(&method)))
}

/// Create a shipping method (admin).
#[utoipa::path(post, path = "/api/v1/shipping-methods", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateShippingMethodRequest, responses(
    (status = 201, description = "Created", body = ShippingMethodBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_shipping_method(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateShippingMethodRequest>,
) -> Result<HttpResponse, ApiError> {
    let method = state.shipping_methods.create(&caller.0, body.0.into_domain()?).await?;
    Ok(created(format!("/api/v1/shipping-methods/{}", method.id), method.version, &ShippingMethodBody::from(&method)))
}

/// Change a shipping method (admin; versioned).
#[utoipa::path(patch, path = "/api/v1/shipping-methods/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The method's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted (or send `version` in the body)"),
    ),
    request_body = UpdateShippingMethodRequest, responses(
    (status = 200, description = "Changed", body = ShippingMethodBody, headers(("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such method", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_shipping_method(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateShippingMethodRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: ShippingMethodId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let method = precondition.write(|version| state.shipping_methods.update(&caller.0, id, version, changes)).await?;
    Ok(resource(StatusCode::OK, method.version, &ShippingMethodBody::from(&method)))
}

/// Archive a shipping method (admin; versioned): never listed nor chosen
/// again; `GET` still shows it with `"archived": true`.
#[utoipa::path(delete, path = "/api/v1/shipping-methods/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The method's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Archived"),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such method", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn archive_shipping_method(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: ShippingMethodId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.shipping_methods.archive(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
