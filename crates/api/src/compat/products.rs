//! Seed catalog paths: `POST /create_product/` and `POST /home`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use zonmart_domain::{Limit, PageRequest};
use zonmart_ports::{ProductFilter, ProductSort};

use super::dto::{cents_from_major, SeedCreateProduct, SeedProductBody, SEED_DEFAULT_STOCK};
use crate::dto::products::CreateProductRequest;
use crate::extract::{ApiJson, ApiQuery, Authenticated};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::method_not_allowed;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/create_product/")
            .route(web::post().to(create_product))
            .default_service(method_not_allowed("POST")),
    )
    .service(web::resource("/home").route(web::post().to(home)).default_service(method_not_allowed("POST")));
}

/// Seed product creation (admin), `price` in major units. Use `POST /api/v1/products`.
#[deprecated]
#[utoipa::path(post, operation_id = "seed_create_product", path = "/create_product/", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    request_body = SeedCreateProduct, responses(
    (status = 200, body = SeedProductBody),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<SeedCreateProduct>,
) -> Result<HttpResponse, ApiError> {
    let seed = body.0;
    let price_cents = cents_from_major(&seed.price).map_err(|message| ApiError::invalid("price", message))?;
    let request = CreateProductRequest {
        name: seed.name,
        description: seed.description,
        price_cents,
        currency: seed.currency,
        stock: seed.stock.unwrap_or(SEED_DEFAULT_STOCK),
        sku: seed.sku,
    };
    let product = state.products.create(&caller.0, request.into_domain()?).await?;
    Ok(HttpResponse::Ok().json(SeedProductBody::from(&product)))
}

/// `?skip=0&limit=10`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkipLimit {
    /// Products to skip, newest first (default 0, at most 10000).
    #[param(minimum = 0, maximum = 10000)]
    pub skip: Option<i64>,
    /// Products to return (default 10, 1..=100).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// How far `skip` may reach: the seed's offset paging is walked with v1's
/// keyset pages, so its cost grows with `skip`.
const MAX_SKIP: i64 = 10_000;

/// Seed listing of live products, newest first, as a plain array. Use
/// `GET /api/v1/products`.
#[deprecated]
#[utoipa::path(post, operation_id = "seed_home", path = "/home", tag = "seed compatibility", params(SkipLimit), responses(
    (status = 200, body = Vec<SeedProductBody>),
))]
pub async fn home(state: web::Data<AppState>, query: ApiQuery<SkipLimit>) -> Result<HttpResponse, ApiError> {
    let skip = query.skip.unwrap_or(0);
    if !(0..=MAX_SKIP).contains(&skip) {
        return Err(ApiError::invalid("skip", format!("must be between 0 and {MAX_SKIP}")));
    }
    let limit = Limit::new(query.limit.unwrap_or(10)).map_err(|e| ApiError::invalid("limit", e.to_string()))?;
    let wanted = skip as usize + limit.get() as usize;

    let mut products = Vec::new();
    let mut page =
        PageRequest { limit: Limit::new(100).map_err(|e| ApiError::invalid("limit", e.to_string()))?, after: None };
    loop {
        let batch =
            state.products.list(&ProductFilter::default(), Some(ProductSort::NewestFirst), page.clone()).await?;
        products.extend(batch.items);
        match batch.next {
            Some(next) if products.len() < wanted => page.after = Some(next),
            _ => break,
        }
    }
    let body: Vec<SeedProductBody> =
        products.iter().skip(skip as usize).take(limit.get() as usize).map(SeedProductBody::from).collect();
    Ok(HttpResponse::Ok().json(body))
}
