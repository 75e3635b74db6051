//! The one mapping from errors to RFC 9457 problem documents. Every error an
//! endpoint, extractor or middleware can produce is an [`ApiError`], and
//! `ApiError::error_response` is the only place a status code is chosen.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use zonmart_app::{AppError, KeyConflict};
use zonmart_domain::{FieldError, ValidationErrors, Version};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document. Each response of the OpenAPI document
/// shows an example of its own status (`openapi::SharedRules`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// `urn:zonmart:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// A stable machine-readable code, e.g. `validation_failed`, `version_conflict`.
    pub code: String,
    /// For `validation_failed`: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
    /// For `version_conflict`: the record's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For `insufficient_stock` and `product_unavailable`: the products at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_ids: Option<Vec<String>>,
    /// For `discount_unavailable`: `unknown`, `not_started`, `expired`,
    /// `min_subtotal`, `exhausted`, `already_used` or `currency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One invalid field of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The JSON member name, dotted when nested (`items.0.quantity`).
    pub field: String,
    pub message: String,
}

impl From<&FieldError> for ProblemField {
    fn from(e: &FieldError) -> Self {
        ProblemField { field: e.field.clone(), message: e.message.clone() }
    }
}

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    /// `If-Match` named a version that is not the current one.
    #[error("If-Match does not match the current version {current}")]
    PreconditionFailed { current: Version },
    #[error("state the version you read, as If-Match: \"<version>\" or as \"version\" in the body")]
    PreconditionRequired,
    #[error("{detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body was not sent within {} s", limit.as_secs())]
    RequestTimeout { limit: std::time::Duration },
    #[error("{method} is not allowed here; allowed: {allow}")]
    MethodNotAllowed { method: String, allow: &'static str },
    #[error("no such resource: {0}")]
    NoRoute(String),
    #[error("too many requests; retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
}

impl ApiError {
    /// A 400 about one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::BadRequest { detail: format!("{field}: {message}"), errors: vec![FieldError::new(field, message)] }
    }

    /// A 400 about the request as a whole (malformed JSON, a bad header).
    pub fn malformed(detail: impl Into<String>) -> Self {
        ApiError::BadRequest { detail: detail.into(), errors: Vec::new() }
    }

    /// What this error is on the wire: its status, code and title, all
    /// declared in one arm per variant, so a new error cannot be half
    /// declared.
    fn kind(&self) -> Kind {
        use StatusCode as S;
        let (status, code, title) = match self {
            ApiError::App(e) => match e {
                AppError::Validation(_) => (S::BAD_REQUEST, "validation_failed", "Invalid request"),
                AppError::NotFound => (S::NOT_FOUND, "not_found", "Not found"),
                AppError::VersionConflict { .. } => (S::CONFLICT, "version_conflict", "Version conflict"),
                AppError::Duplicate { .. } => (S::CONFLICT, "duplicate", "Duplicate"),
                AppError::IdempotencyConflict(_) => (S::CONFLICT, "duplicate", "Duplicate request"),
                AppError::ProductUnavailable { .. } => (S::CONFLICT, "product_unavailable", "Product unavailable"),
                AppError::InsufficientStock { .. } => (S::CONFLICT, "insufficient_stock", "Insufficient stock"),
                AppError::ShippingUnavailable => (S::CONFLICT, "shipping_unavailable", "Shipping unavailable"),
                AppError::DiscountUnavailable { .. } => (S::CONFLICT, "discount_unavailable", "Discount unavailable"),
                AppError::InvalidTransition { .. } => (S::CONFLICT, "invalid_transition", "Invalid transition"),
                AppError::Unauthorized => (S::UNAUTHORIZED, "unauthorized", "Unauthorized"),
                AppError::Forbidden(_) => (S::FORBIDDEN, "forbidden", "Forbidden"),
                AppError::Unavailable => (S::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
                AppError::InvalidSignature => (S::BAD_REQUEST, "invalid_signature", "Invalid signature"),
                AppError::PaymentsDisabled => (S::SERVICE_UNAVAILABLE, "unavailable", "Payments not configured"),
                AppError::Busy => (S::SERVICE_UNAVAILABLE, "unavailable", "Busy"),
                AppError::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
            },
            ApiError::PreconditionFailed { .. } => (S::PRECONDITION_FAILED, "version_conflict", "Version conflict"),
            ApiError::PreconditionRequired => {
                (S::PRECONDITION_REQUIRED, "precondition_required", "Precondition required")
            }
            ApiError::BadRequest { .. } => (S::BAD_REQUEST, "validation_failed", "Invalid request"),
            ApiError::UnsupportedMediaType(_) => {
                (S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported media type")
            }
            ApiError::PayloadTooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "payload_too_large", "Payload too large"),
            ApiError::RequestTimeout { .. } => (S::REQUEST_TIMEOUT, "request_timeout", "Request timeout"),
            ApiError::MethodNotAllowed { .. } => (S::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed"),
            ApiError::NoRoute(_) => (S::NOT_FOUND, "not_found", "Not found"),
            ApiError::RateLimited { .. } => (S::TOO_MANY_REQUESTS, "rate_limited", "Too many requests"),
        };
        Kind { status, code, title }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::App(AppError::Internal(_)) => "an internal error occurred; it has been logged".into(),
            ApiError::App(AppError::Unavailable) => "the database is unavailable; retry shortly".into(),
            ApiError::App(AppError::Unauthorized) => "missing, invalid or expired credentials".into(),
            ApiError::App(AppError::Validation(errors)) => format!("invalid input: {errors}"),
            ApiError::App(AppError::InsufficientStock { product_ids }) => {
                format!("not enough stock for {} of the ordered products; nothing was ordered", product_ids.len())
            }
            ApiError::App(AppError::ProductUnavailable { product_ids }) => {
                format!("{} of the products do not exist or are archived; nothing was changed", product_ids.len())
            }
            ApiError::App(AppError::IdempotencyConflict(KeyConflict::InFlight)) => {
                "a request with this Idempotency-Key is still in progress; retry shortly".into()
            }
            ApiError::App(AppError::IdempotencyConflict(KeyConflict::Mismatch)) => {
                "this Idempotency-Key was already used with a different request".into()
            }
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Option<Vec<ProblemField>> {
        let fields: Vec<ProblemField> = match self {
            ApiError::App(AppError::Validation(errors)) => errors.errors().iter().map(Into::into).collect(),
            ApiError::App(AppError::Duplicate { field }) => {
                vec![ProblemField { field: field.clone(), message: "is already taken".into() }]
            }
            ApiError::BadRequest { errors, .. } => errors.iter().map(Into::into).collect(),
            _ => return None,
        };
        Some(fields)
    }

    fn current_version(&self) -> Option<i64> {
        match self {
            ApiError::App(AppError::VersionConflict { current }) | ApiError::PreconditionFailed { current } => {
                Some(current.get())
            }
            _ => None,
        }
    }

    fn product_ids(&self) -> Option<Vec<String>> {
        match self {
            ApiError::App(
                AppError::InsufficientStock { product_ids } | AppError::ProductUnavailable { product_ids },
            ) => Some(product_ids.iter().map(ToString::to_string).collect()),
            _ => None,
        }
    }

    fn reason(&self) -> Option<String> {
        match self {
            ApiError::App(AppError::DiscountUnavailable { reason }) => Some(reason.as_str().to_owned()),
            _ => None,
        }
    }

    pub fn to_problem(&self) -> ProblemDetails {
        let Kind { status, code, title } = self.kind();
        ProblemDetails {
            type_uri: format!("urn:zonmart:problem:{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail: self.detail(),
            code: code.into(),
            errors: self.field_errors(),
            current_version: self.current_version(),
            product_ids: self.product_ids(),
            reason: self.reason(),
        }
    }
}

/// A problem's status, `code` and `title` (see `ApiError::kind`).
struct Kind {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::App(AppError::Validation(errors))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().status
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::App(AppError::Internal(detail)) = self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::App(AppError::Unauthorized) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, *allow));
            }
            ApiError::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.max(&1).to_string()));
            }
            ApiError::App(AppError::Unavailable | AppError::Busy) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        response.json(self.to_problem())
    }
}
