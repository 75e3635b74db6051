//! `/api/v1/cart`: the caller's cart. Every write states the cart version
//! it read and answers with the whole cart at its new version.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use zonmart_domain::{PricedCart, ProductId, Quantity};

use crate::dto::cart::{CartBody, SetCartItemRequest};
use crate::dto::VersionBody;
use crate::extract::{parse_id, ApiJson, Authenticated, MaybeJson, Precondition};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{method_not_allowed, resource};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/cart")
            .route(web::get().to(get_cart))
            .route(web::delete().to(clear_cart))
            .default_service(method_not_allowed("GET, DELETE")),
    )
    .service(
        web::resource("/api/v1/cart/items/{product_id}")
            .route(web::put().to(set_cart_item))
            .route(web::delete().to(remove_cart_item))
            .default_service(method_not_allowed("PUT, DELETE")),
    );
}

fn cart_response(cart: &PricedCart) -> HttpResponse {
    resource(StatusCode::OK, cart.cart.version, &CartBody::from(cart))
}

/// The caller's cart, created empty on first use.
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = []), ("oauth2" = [])), responses(
    (status = 200, body = CartBody, headers(("ETag" = String))),
))]
pub async fn get_cart(state: web::Data<AppState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(&state.cart.get(&caller.0).await?))
}

/// Set the quantity of a product in the cart (versioned).
#[utoipa::path(put, path = "/api/v1/cart/items/{product_id}", tag = "cart", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("product_id" = String, Path, description = "The product's ULID"),
        ("If-Match" = Option<String>, Header, description = "The cart version you read, quoted (or send `version` in the body)"),
    ),
    request_body = SetCartItemRequest, responses(
    (status = 200, body = CartBody, headers(("ETag" = String))),
    (status = 404, description = "Unknown product", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "Archived product (`product_unavailable`) or stale version", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn set_cart_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<SetCartItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let product_id: ProductId = parse_id(&path, "product_id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let quantity = Quantity::new(body.0.quantity).map_err(|e| ApiError::invalid("quantity", e.to_string()))?;
    let cart = precondition.write(|version| state.cart.set_item(&caller.0, product_id, quantity, version)).await?;
    Ok(cart_response(&cart))
}

/// Remove a product from the cart (versioned).
#[utoipa::path(delete, path = "/api/v1/cart/items/{product_id}", tag = "cart", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("product_id" = String, Path, description = "The product's ULID"),
        ("If-Match" = Option<String>, Header, description = "The cart version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 200, body = CartBody, headers(("ETag" = String))),
    (status = 404, description = "The product is not in the cart", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn remove_cart_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let product_id: ProductId = parse_id(&path, "product_id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    let cart = precondition.write(|version| state.cart.remove_item(&caller.0, product_id, version)).await?;
    Ok(cart_response(&cart))
}

/// Empty the cart (versioned).
#[utoipa::path(delete, path = "/api/v1/cart", tag = "cart", security(("bearer" = []), ("oauth2" = [])),
    params(("If-Match" = Option<String>, Header, description = "The cart version you read, quoted")),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 200, body = CartBody, headers(("ETag" = String))),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn clear_cart(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    let cart = precondition.write(|version| state.cart.clear(&caller.0, version)).await?;
    Ok(cart_response(&cart))
}
