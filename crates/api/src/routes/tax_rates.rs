//! `/api/v1/tax-rates`: public reads, admin writes (versioned); one rate
//! per country; `DELETE` removes.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{TaxRateId, ValidationErrors};

use crate::dto::page::{PageBody, PageQuery};
use crate::dto::tax_rates::{CreateTaxRateRequest, TaxRateBody, TaxRateListQuery, UpdateTaxRateRequest};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/tax-rates")
            .route(web::get().to(list_tax_rates))
            .route(web::post().to(create_tax_rate))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/tax-rates/{id}")
            .route(web::get().to(get_tax_rate))
            .route(web::patch().to(update_tax_rate))
            .route(web::delete().to(delete_tax_rate))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    );
}

/// Tax rates (public), newest first.
#[utoipa::path(get, path = "/api/v1/tax-rates", tag = "checkout", params(TaxRateListQuery), responses(
    (status = 200, description = "A page of tax rates", body = PageBody<TaxRateBody>),
))]
pub async fn list_tax_rates(
    state: web::Data<AppState>,
    query: ApiQuery<TaxRateListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let rates = state.tax_rates.list(page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(rates, |r| TaxRateBody::from(&r))))
}

/// Read a tax rate (public).
#[utoipa::path(get, path = "/api/v1/tax-rates/{id}", tag = "checkout",
    params(("id" = String, Path, description = "The rate's ULID")), responses(
    (status = 200, description = "The tax rate", body = TaxRateBody, headers(("ETag" = String))),
    (status = 404, description = "No such rate", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_tax_rate(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let rate = state.tax_rates.get(parse_id::<TaxRateId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, rate.version, &TaxRateBody::from(&rate)))
}

/// Create a tax rate (admin); one per country.
#[utoipa::path(post, path = "/api/v1/tax-rates", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    request_body = CreateTaxRateRequest, responses(
    (status = 201, description = "Created", body = TaxRateBody, headers(("Location" = String), ("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "The country has a rate (`duplicate`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_tax_rate(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<CreateTaxRateRequest>,
) -> Result<HttpResponse, ApiError> {
    let rate = state.tax_rates.create(&caller.0, body.0.into_domain()?).await?;
    Ok(created(format!("/api/v1/tax-rates/{}", rate.id), rate.version, &TaxRateBody::from(&rate)))
}

/// Change a tax rate (admin; versioned).
#[utoipa::path(patch, path = "/api/v1/tax-rates/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The rate's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted (or send `version` in the body)"),
    ),
    request_body = UpdateTaxRateRequest, responses(
    (status = 200, description = "Changed", body = TaxRateBody, headers(("ETag" = String))),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such rate", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_tax_rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateTaxRateRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: TaxRateId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let changes = body.0.into_domain()?;
    let rate = precondition.write(|version| state.tax_rates.update(&caller.0, id, version, changes)).await?;
    Ok(resource(StatusCode::OK, rate.version, &TaxRateBody::from(&rate)))
}

/// Delete a tax rate (admin; versioned): orders to its country pay no tax.
#[utoipa::path(delete, path = "/api/v1/tax-rates/{id}", tag = "checkout", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The rate's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Deleted"),
    (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "No such rate", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn delete_tax_rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: TaxRateId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.tax_rates.delete(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
