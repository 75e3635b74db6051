//! `/api/v1/products`: the catalog. Reads are public; writes are admin-only
//! and versioned; `DELETE` archives.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{ProductId, ValidationErrors};

use crate::dto::page::{PageBody, PageQuery};
use crate::dto::products::{CreateProductRequest, ProductBody, ProductListQuery, UpdateProductRequest};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/products")
            .route(web::get().to(list_products))
            .route(web::post().to(create_product))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/products/{id}")
            .route(web::get().to(get_product))
            .route(web::patch().to(update_product))
            .route(web::delete().to(archive_product))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    );
}

/// List live products (public).
#[utoipa::path(get, path = "/api/v1/products", tag = "products", params(ProductListQuery), responses(
    (status = 200, body = PageBody<ProductBody>),
))]
pub async fn list_products(
    state: web::Data<AppState>,
    query: ApiQuery<ProductListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let filter = query.filter(&mut errors);
    let page = PageQuery { limit: query.limit, cursor: query.cursor.clone() }.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let sort = query.sort.map(Into::into);
    let products = state.products.list(&filter, sort, page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(products, |p| ProductBody::from(&p))))
}

/// Read a product (public); archived ones too, with `"archived": true`.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = String, Path, description = "The product's ULID")), responses(
    (status = 200, body = ProductBody, headers(("ETag" = String))),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_product(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let product = state.products.get(parse_id::<ProductId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, product.version, &ProductBody::from(&product)))
}

/// Create a product (admin).
#[utoipa::path(post, path = "/api/v1/products", tag = "products", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateProductRequest, responses(
    (status = 201, body = ProductBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "`sku` taken (`duplicate`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    let product = state.products.create(&caller.0, body.0.into_domain()?).await?;
    Ok(created(format!("/api/v1/products/{}", product.id), product.version, &ProductBody::from(&product)))
}

/// Update a product (admin; versioned).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The product's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted: `\"3\"` (or send `version` in the body)"),
    ),
    request_body = UpdateProductRequest, responses(
    (status = 200, body = ProductBody, headers(("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: ProductId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let product = precondition.write(|version| state.products.update(&caller.0, id, version, changes)).await?;
    Ok(resource(StatusCode::OK, product.version, &ProductBody::from(&product)))
}

/// Archive a product (admin; versioned): it leaves listings and cannot be
/// ordered; `GET` still shows it with `"archived": true`.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The product's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Archived"),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn archive_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: ProductId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.products.archive(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
