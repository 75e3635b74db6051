//! HTTP handlers, one module per resource. Handlers only translate: request
//! → domain input → use case → response. Each resource declares its methods
//! once; any other method gets 405 with `Allow`.

pub mod addresses;
pub mod api_keys;
pub mod auth;
pub mod cart;
pub mod discounts;
pub mod events;
pub mod health;
pub mod orders;
pub mod payments;
pub mod products;
pub mod shipping_methods;
pub mod tax_rates;
pub mod users;
pub mod webhooks;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use zonmart_domain::Version;

use crate::extract::precondition::etag;
use crate::problem::ApiError;

/// The default service of a resource: 405 naming the allowed methods.
pub fn method_not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move |req: HttpRequest| async move {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed { method: req.method().to_string(), allow })
    })
}

/// A single versioned resource: its JSON and its `ETag`.
pub fn resource<T: Serialize>(status: StatusCode, version: Version, body: &T) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag(version))).json(body)
}

/// `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, version: Version, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}
