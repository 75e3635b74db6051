//! `/api/v1/payments/webhook`: the payment provider's events (Stripe's
//! format and signature). The signature is checked on the raw body before
//! anything is read from it; each event id is handled once.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::dto::payments::{PaymentEventBody, PaymentReplyBody};
use crate::extract::json::parse_document;
use crate::extract::RawBody;
use crate::problem::{ApiError, ProblemDetails};
use crate::routes::method_not_allowed;
use crate::state::AppState;

/// The header Stripe signs its webhooks with.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// Where the provider is told to send its events.
pub const WEBHOOK_PATH: &str = "/api/v1/payments/webhook";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(WEBHOOK_PATH).route(web::post().to(payment_webhook)).default_service(method_not_allowed("POST")),
    );
}

/// Receives a payment provider's event (Stripe's format), signed with
/// `ZONMART_PAYMENT_WEBHOOK_SECRET`. `payment_intent.succeeded` for a
/// pending order of the same amount and currency makes it paid; a payment
/// for a cancelled, already paid or differently priced order writes
/// `order.payment_needs_attention` instead. Every handled event answers 200.
#[utoipa::path(post, path = "/api/v1/payments/webhook", tag = "payments", security(()),
    params(("Stripe-Signature" = String, Header,
        description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`, within 300 s of now")),
    request_body(content = PaymentEventBody, content_type = "application/json"),
    responses(
    (status = 200, description = "Handled (whatever it did)", body = PaymentReplyBody),
    (status = 400, description = "Missing, wrong or stale signature (`invalid_signature`), or a malformed event", body = ProblemDetails, content_type = "application/problem+json"),
    (status = 413, body = ProblemDetails, content_type = "application/problem+json"),
    (status = 503, description = "Payments are not configured, or the store is unavailable", body = ProblemDetails, content_type = "application/problem+json"),
))]
pub async fn payment_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let header = req.headers().get(SIGNATURE_HEADER).and_then(|value| value.to_str().ok());
    let verified = state.payments.verify(header, &body.0)?;
    let (event_id, notice) = PaymentEventBody::read(parse_document(verified.bytes())?)?;
    let result = state.payments.apply(verified, event_id, notice).await?;
    let reply = PaymentReplyBody::from(result);
    crate::metrics::record_payment_event(reply.result);
    Ok(HttpResponse::Ok().json(reply))
}
