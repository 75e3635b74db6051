//! Seed cart and order paths: `POST /user_carts/`, `POST /orders/`,
//! `GET /users/{user_id}/orders`, `PUT /orders/{order_id}/cancel`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use zonmart_app::OrderRequest;
use zonmart_domain::{OrderId, OrderItem, OrderItems, ProductId, Quantity, UserId};

use super::dto::SeedAddToCart;
use crate::dto::cart::CartBody;
use crate::dto::orders::OrderBody;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, TokenHolder};
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::method_not_allowed;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/user_carts/").route(web::post().to(add_to_cart)).default_service(method_not_allowed("POST")),
    )
    .service(web::resource("/orders/").route(web::post().to(place_order)).default_service(method_not_allowed("POST")))
    .service(
        web::resource("/users/{user_id}/orders")
            .route(web::get().to(user_orders))
            .default_service(method_not_allowed("GET")),
    )
    .service(
        web::resource("/orders/{order_id}/cancel")
            .route(web::put().to(cancel_order))
            .default_service(method_not_allowed("PUT")),
    );
}

/// Seed "add to cart": one more of the product in the caller's cart. Use
/// `PUT /api/v1/cart/items/{product_id}`.
#[deprecated]
#[utoipa::path(post, operation_id = "seed_add_to_cart", path = "/user_carts/", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    request_body = SeedAddToCart, responses(
    (status = 200, body = CartBody),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn add_to_cart(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ApiJson<SeedAddToCart>,
) -> Result<HttpResponse, ApiError> {
    let named: UserId = parse_id(&body.0.user_id, "user_id")?;
    let product_id: ProductId = parse_id(&body.0.product_id, "product_id")?;
    let cart = state.cart.add_one(&caller.0, named, product_id).await?;
    Ok(HttpResponse::Ok().json(CartBody::from(&cart)))
}

/// `?user_id=&product_id=&quantity=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeedOrderQuery {
    #[param(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub user_id: String,
    #[param(pattern = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$")]
    pub product_id: String,
    /// 1..=1000.
    #[param(minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

/// Seed order of one product for the caller. Use `POST /api/v1/orders`.
#[deprecated]
#[utoipa::path(post, operation_id = "seed_place_order", path = "/orders/", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    params(SeedOrderQuery), responses(
    (status = 200, body = OrderBody),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "`insufficient_stock` or `product_unavailable`", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn place_order(
    state: web::Data<AppState>,
    token: TokenHolder,
    query: ApiQuery<SeedOrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let named: UserId = parse_id(&query.user_id, "user_id")?;
    let product_id: ProductId = parse_id(&query.product_id, "product_id")?;
    let quantity = Quantity::new(query.quantity).map_err(|e| ApiError::invalid("quantity", e.to_string()))?;
    let items = OrderItems::new(vec![OrderItem { product_id, quantity }])?;
    let order = state.orders.place_as(token.session, named, OrderRequest::Items(items), Default::default()).await?;
    Ok(HttpResponse::Ok().json(OrderBody::from(&order)))
}

/// Most orders `GET /users/{user_id}/orders` returns (newest first).
const MAX_SEED_ORDERS: usize = 1000;

/// Seed list of a user's orders, newest first, as a plain array (owner or
/// admin; someone else's is 404). Use `GET /api/v1/orders`.
#[deprecated]
#[utoipa::path(get, operation_id = "seed_user_orders", path = "/users/{user_id}/orders", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    params(("user_id" = String, Path)), responses(
    (status = 200, body = Vec<OrderBody>),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn user_orders(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id: UserId = parse_id(&path, "user_id")?;
    let orders = state.orders.recent_of(&caller.0, user_id, MAX_SEED_ORDERS).await?;
    Ok(HttpResponse::Ok().json(orders.iter().map(OrderBody::from).collect::<Vec<_>>()))
}

/// Seed cancel: 404 if absent or already cancelled. Use
/// `PATCH /api/v1/orders/{id}` with `{"status": "cancelled"}`.
#[deprecated]
#[utoipa::path(put, operation_id = "seed_cancel_order", path = "/orders/{order_id}/cancel", tag = "seed compatibility", security(("bearer" = []), ("oauth2" = [])),
    params(("order_id" = String, Path)), responses(
    (status = 200, body = OrderBody),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "Absent, someone else's, or already cancelled", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "Shipped or delivered (`invalid_transition`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn cancel_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = parse_id(&path, "order_id")?;
    let order = state.orders.cancel_unversioned(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(OrderBody::from(&order)))
}
