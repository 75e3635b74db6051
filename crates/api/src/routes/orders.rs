//! `/api/v1/orders`: placing orders (optionally idempotent), reading,
//! listing, status changes and deleting cancelled orders.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use zonmart_app::{Begin, OrderRequest};
use zonmart_domain::{Actor, IdempotencyKey, OrderId, Session, UserId, ValidationErrors};
use zonmart_ports::{Checkout, StoredResponse};

use crate::dto::orders::{OrderBody, OrderListQuery, PlaceOrderRequest, QuoteBody, UpdateOrderRequest};
use crate::dto::page::{PageBody, PageQuery};
use crate::dto::VersionBody;
use crate::extract::json::from_value;
use crate::extract::{parse_id, ApiJson, ApiQuery, Authenticated, MaybeJson, Precondition, TokenHolder};
use crate::idempotency;
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::{created, method_not_allowed, resource};
use crate::state::AppState;

const ORDERS: &str = "/api/v1/orders";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(ORDERS)
            .route(web::get().to(list_orders))
            .route(web::post().to(place_order))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api/v1/orders/{id}")
            .route(web::get().to(get_order))
            .route(web::patch().to(update_order))
            .route(web::delete().to(delete_order))
            .default_service(method_not_allowed("GET, PATCH, DELETE")),
    )
    .service(
        web::resource("/api/v1/checkout/quote")
            .route(web::post().to(quote_order))
            .default_service(method_not_allowed("POST")),
    );
}

/// What an order of this body would cost now: the same amounts and the same
/// refusals as placing it, priced by the same function; nothing is taken,
/// reserved or written.
#[utoipa::path(post, path = "/api/v1/checkout/quote", tag = "orders", security(("bearer" = []), ("oauth2" = [])),
    request_body = PlaceOrderRequest, responses(
    (status = 200, description = "What the order would cost", body = QuoteBody),
    (status = 400, description = "Invalid lines, address or code, a shipping method without an address, or an empty cart", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 401, description = "No or bad credentials", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "`shipping_address_id` is not one of the caller's addresses", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "`insufficient_stock`, `product_unavailable`, `shipping_unavailable` or `discount_unavailable` (with `reason`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn quote_order(
    state: web::Data<AppState>,
    caller: TokenHolder,
    body: ApiJson<PlaceOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let (request, checkout) = body.0.into_domain()?;
    let pricing = state.orders.quote(caller.session, request, checkout).await?;
    Ok(HttpResponse::Ok().json(QuoteBody::from(&pricing)))
}

/// Place an order from `items` or from the cart. Stock is checked and taken
/// in one transaction: all lines or nothing. With `Idempotency-Key`, a retry
/// of the same request within 24 h answers the first response again.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", security(("bearer" = []), ("oauth2" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[\\x20-\\x7e]{1,255}$", description = "1..255 printable ASCII characters; retries with the same key and body replay the first answer")),
    request_body = PlaceOrderRequest, responses(
    (status = 201, body = OrderBody, headers(("Location" = String), ("ETag" = String))),
    (status = 400, description = "Invalid lines, address or code, a shipping method without an address, or an empty cart", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, description = "`shipping_address_id` is not one of the caller's addresses", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "`insufficient_stock` or `product_unavailable` (naming `product_ids`), `shipping_unavailable`, `discount_unavailable` (with `reason`), or an Idempotency-Key reused with another body or still in flight (`duplicate`)", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn place_order(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: TokenHolder,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let fingerprint = idempotency::fingerprint(&req, &body.0);
    let (request, checkout) = from_value::<PlaceOrderRequest>(body.0)?.into_domain()?;
    let Some(key) = key else {
        // The order's transaction checks that the caller's user exists and
        // is enabled (`OrderService::place`): no look-up round trip first.
        return place(&state, caller.session, request, checkout).await.map(|(response, _)| response);
    };
    // A replay must not answer a user disabled since: the full check first.
    let actor = caller.authenticate(&state).await?;
    match state.idempotency.begin(&actor, &key, &fingerprint).await? {
        Begin::Replay(stored) => Ok(idempotency::replay(&stored, ORDERS)),
        Begin::Proceed => match place(&state, caller.session, request, checkout).await {
            Ok((response, stored)) => {
                remember(&state, &actor, &key, &stored).await;
                Ok(response)
            }
            Err(e) => {
                if let Err(release) = state.idempotency.release(&actor, &key).await {
                    tracing::warn!(error = %release, "could not release an idempotency key; it frees itself in a minute");
                }
                Err(e)
            }
        },
    }
}

async fn place(
    state: &AppState,
    customer: Session,
    request: OrderRequest,
    checkout: Checkout,
) -> Result<(HttpResponse, StoredResponse), ApiError> {
    let order = state.orders.place(customer, request, checkout).await?;
    let body = OrderBody::from(&order);
    let stored = StoredResponse {
        body: serde_json::to_string(&body)
            .map_err(|e| ApiError::App(zonmart_app::AppError::Internal(e.to_string())))?,
    };
    Ok((created(format!("{ORDERS}/{}", order.id), order.version, &body), stored))
}

/// Stores the answer for replays. If that fails the order still stands; the
/// key then frees itself after a minute.
async fn remember(state: &AppState, actor: &Actor, key: &IdempotencyKey, stored: &StoredResponse) {
    if let Err(e) = state.idempotency.complete(actor, key, stored).await {
        tracing::warn!(error = %e, "could not store the answer of an idempotent request");
    }
}

/// The caller's orders (admins: everyone's), newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = []), ("oauth2" = [])),
    params(OrderListQuery), responses(
    (status = 200, body = PageBody<OrderBody>),
    (status = 403, description = "A customer filtering by another user", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: ApiQuery<OrderListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::new();
    let page = PageQuery { limit: query.limit, cursor: query.cursor }.check(&mut errors);
    let user_id = query.user_id.as_deref().and_then(|id| errors.check("user_id", UserId::parse(id)));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let orders = state.orders.list(&caller.0, user_id, query.status.map(Into::into), page).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(orders, |o| OrderBody::from(&o))))
}

/// Read an order (owner or admin).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "The order's ULID")), responses(
    (status = 200, body = OrderBody, headers(("ETag" = String))),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn get_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let order = state.orders.get(&caller.0, parse_id::<OrderId>(&path, "id")?).await?;
    Ok(resource(StatusCode::OK, order.version, &OrderBody::from(&order)))
}

/// Move an order to another status (versioned). Customers may only cancel
/// their own pending orders; cancelling puts the stock back.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The order's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted (or send `version` in the body)"),
    ),
    request_body = UpdateOrderRequest, responses(
    (status = 200, body = OrderBody, headers(("ETag" = String))),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition` or a stale body version", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn update_order(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ApiJson<UpdateOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.version)?;
    let order =
        precondition.write(|version| state.orders.change_status(&caller.0, id, version, body.0.status.into())).await?;
    Ok(resource(StatusCode::OK, order.version, &OrderBody::from(&order)))
}

/// Delete a cancelled order (admin; versioned).
#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("oauth2" = [])),
    params(
        ("id" = String, Path, description = "The order's ULID"),
        ("If-Match" = Option<String>, Header, description = "The version you read, quoted"),
    ),
    request_body(content = Option<VersionBody>, content_type = "application/json"),
    responses(
    (status = 204, description = "Deleted"),
    (status = 403, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 409, description = "Not cancelled (`invalid_transition`) or stale", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn delete_order(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: MaybeJson<VersionBody>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = parse_id(&path, "id")?;
    let precondition = Precondition::resolve(&req, body.0.and_then(|b| b.version))?;
    precondition.write(|version| state.orders.delete(&caller.0, id, version)).await?;
    Ok(HttpResponse::NoContent().finish())
}
