//! `/api/v1/addresses`: the caller's saved addresses (admins: everyone's).
//! Another customer's address is 404; writes are versioned; `DELETE` removes.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{AddressId, UserId, ValidationErrors};

use crate::dto::addresses::{AddressBody, AddressListQuery, AddressRequest, UpdateAddressRequest};
use crate::dto::page::{PageBody, PageQuery};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/addresses")
            .route(web::get().to(list_addresses))
            .route(web::post().to(create_address))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/addresses/{id}")
            .route(web::get().to(get_address))
            .route(web::patch().to(update_address))
            .route(web::delete().to(delete_address))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    );
}

/// The caller's addresses (admins: everyone's, or one user's), newest first.
#[utoipa::path(get, path = "/api/v1/addresses", tag = "addresses", security(("bearer" = []), ("oauth2" = [])),
    params(AddressListQuery), responses(
    (status = 200, description = "A page of addresses", body = PageBody<AddressBody>),
    (status = 403, description = "A customer filtering by another user", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_addresses(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<AddressListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    let user_id = query.user_id.as_deref().and_then(|id| errors.check("user_id", UserId::parse(id)));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let addresses = state.addresses.list(&caller.0, user_id, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(addresses, |a| AddressBody::from(&a))))
}

/// Save an address for the caller.
#[utoipa::path(post, path = "/api/v1/addresses", tag = "addresses", security(("bearer" = []), ("oauth2" = [])),
    request_body = AddressRequest, responses(
    (status = 201, description = "Saved", body = AddressBody, headers(("Location" = String), ("ETag" = String))),
))]
pub async fn create_address(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<AddressRequest>,
) -> Result<HttpResponse, ApiError> {
    let address = state.addresses.create(&caller.0, body.0.into_domain("")?).await?;
    Ok(created(format!("/api/v1/addresses/{}", address.id), address.version, &AddressBody::from(&address)))
}

/// Read an address (owner or admin).
#[utoipa::path(get, path = "/api/v1/addresses/{id}", tag = "addresses", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The address's ULID")), responses(
    (status = 200, description = "The address", body = AddressBody, headers(("ETag" = String))),
    (status = 404, description = "No such address of the caller's", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_address(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let address = state.addresses.get(&caller.0, parse_id::<AddressId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, address.version, &AddressBody::from(&address)))
}

/// Change an address (owner or admin; versioned).
#[utoipa::path(patch, path = "/api/v1/addresses/{id}", tag = "addresses", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The address's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted (or send `version` in the body)"),
    ),
    request_body = UpdateAddressRequest, responses(
    (status = 200, description = "Changed", body = AddressBody, headers(("ETag" = String))),
    (status = 404, description = "No such address of the caller's", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_address(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateAddressRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: AddressId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let address = precondition.write(|version| state.addresses.update(&caller.0, id, version, changes)).await?;
    Ok(resource(StatusCode::OK, address.version, &AddressBody::from(&address)))
}

/// Delete an address (owner or admin; versioned); orders keep their copy.
#[utoipa::path(delete, path = "/api/v1/addresses/{id}", tag = "addresses", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The address's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "No such address of the caller's", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn delete_address(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: AddressId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.addresses.delete(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
