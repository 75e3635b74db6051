//! The one mapping from errors to RFC 9457 problem documents. Every error an
//! endpoint, extractor or middleware can produce is an [`ApiError`], and
//! `ApiError::error_response` is the only place a status code is chosen.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use zonmart_app::AppError;
use zonmart_domain::{FieldError, ValidationErrors, Version};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:zonmart:problem:version_conflict",
    "title": "Version conflict",
    "status": 409,
    "detail": "the record was changed by someone else: its current version is 3",
    "code": "version_conflict",
    "current_version": 3
}))]
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

    fn code(&self) -> &'static str {
        match self {
            ApiError::App(e) => match e {
                AppError::Validation(_) => "validation_failed",
                AppError::NotFound => "not_found",
                AppError::VersionConflict { .. } => "version_conflict",
                AppError::Duplicate { .. } | AppError::IdempotencyConflict(_) => "duplicate",
                AppError::ProductUnavailable { .. } => "product_unavailable",
                AppError::InsufficientStock { .. } => "insufficient_stock",
                AppError::ShippingUnavailable => "shipping_unavailable",
                AppError::DiscountUnavailable { .. } => "discount_unavailable",
                AppError::InvalidTransition { .. } => "invalid_transition",
                AppError::Unauthorized => "unauthorized",
                AppError::Forbidden(_) => "forbidden",
                AppError::Unavailable => "unavailable",
                AppError::Internal(_) => "internal",
            },
            ApiError::PreconditionFailed { .. } => "version_conflict",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::BadRequest { .. } => "validation_failed",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::NoRoute(_) => "not_found",
            ApiError::RateLimited { .. } => "rate_limited",
        }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::BAD_REQUEST => "Invalid request",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::CONFLICT => match self.code() {
                "version_conflict" => "Version conflict",
                "duplicate" => "Duplicate",
                "insufficient_stock" => "Insufficient stock",
                "product_unavailable" => "Product unavailable",
                "shipping_unavailable" => "Shipping unavailable",
                "discount_unavailable" => "Discount unavailable",
                "invalid_transition" => "Invalid transition",
                _ => "Conflict",
            },
            StatusCode::PRECONDITION_FAILED => "Version conflict",
            StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            StatusCode::PRECONDITION_REQUIRED => "Precondition required",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::SERVICE_UNAVAILABLE => "Service unavailable",
            _ => "Internal error",
        }
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
        let code = self.code();
        ProblemDetails {
            type_uri: format!("urn:zonmart:problem:{code}"),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.into(),
            errors: self.field_errors(),
            current_version: self.current_version(),
            product_ids: self.product_ids(),
            reason: self.reason(),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::App(AppError::Validation(errors))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::App(e) => match e {
                AppError::Validation(_) => StatusCode::BAD_REQUEST,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::VersionConflict { .. }
                | AppError::Duplicate { .. }
                | AppError::IdempotencyConflict(_)
                | AppError::ProductUnavailable { .. }
                | AppError::InsufficientStock { .. }
                | AppError::ShippingUnavailable
                | AppError::DiscountUnavailable { .. }
                | AppError::InvalidTransition { .. } => StatusCode::CONFLICT,
                AppError::Unauthorized => StatusCode::UNAUTHORIZED,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
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
            ApiError::App(AppError::Unavailable) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        response.json(self.to_problem())
    }
}
