//! The OpenAPI 3.1 document served at `/api-docs/openapi.json` and shown by
//! Swagger UI at `/docs`.
// The seed-compatible operations are listed too, marked deprecated.
#![allow(deprecated)]

use actix_web::http::StatusCode;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::compat;
use crate::dto;
use crate::dto::rules::DomainLimits;
use crate::problem::{ApiError, ProblemDetails, ProblemField};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zonmart",
        description = "An e-commerce backend: users, products, orders. Errors are RFC 9457 problem documents. \
            Writes of versioned resources state the version they read (`If-Match: \"<n>\"` or `version` in the body).",
    ),
    paths(
        routes::health::health,
        routes::health::ready,
        crate::metrics::scrape,
        routes::auth::register,
        routes::auth::login,
        routes::auth::token,
        routes::auth::refresh,
        routes::auth::logout,
        routes::users::me,
        routes::users::create_user,
        routes::users::list_users,
        routes::users::get_user,
        routes::users::update_user,
        routes::users::delete_user,
        routes::products::list_products,
        routes::products::get_product,
        routes::products::create_product,
        routes::products::update_product,
        routes::products::archive_product,
        routes::cart::get_cart,
        routes::cart::set_cart_item,
        routes::cart::remove_cart_item,
        routes::cart::clear_cart,
        routes::orders::place_order,
        routes::orders::list_orders,
        routes::orders::get_order,
        routes::orders::update_order,
        routes::orders::delete_order,
        routes::orders::quote_order,
        routes::payments::payment_webhook,
        routes::addresses::list_addresses,
        routes::addresses::create_address,
        routes::addresses::get_address,
        routes::addresses::update_address,
        routes::addresses::delete_address,
        routes::shipping_methods::list_shipping_methods,
        routes::shipping_methods::get_shipping_method,
        routes::shipping_methods::create_shipping_method,
        routes::shipping_methods::update_shipping_method,
        routes::shipping_methods::archive_shipping_method,
        routes::tax_rates::list_tax_rates,
        routes::tax_rates::get_tax_rate,
        routes::tax_rates::create_tax_rate,
        routes::tax_rates::update_tax_rate,
        routes::tax_rates::delete_tax_rate,
        routes::discounts::list_discounts,
        routes::discounts::get_discount,
        routes::discounts::create_discount,
        routes::discounts::update_discount,
        routes::discounts::archive_discount,
        routes::api_keys::create_api_key,
        routes::api_keys::list_api_keys,
        routes::api_keys::get_api_key,
        routes::api_keys::revoke_api_key,
        routes::events::list_events,
        routes::webhooks::create_webhook,
        routes::webhooks::list_webhooks,
        routes::webhooks::get_webhook,
        routes::webhooks::update_webhook,
        routes::webhooks::delete_webhook,
        routes::webhooks::list_deliveries,
        routes::webhooks::retry_delivery,
        compat::users::token,
        compat::users::create_user,
        compat::users::get_user,
        compat::users::update_user,
        compat::users::delete_user,
        compat::products::create_product,
        compat::products::home,
        compat::orders::add_to_cart,
        compat::orders::place_order,
        compat::orders::user_orders,
        compat::orders::cancel_order,
    ),
    components(schemas(
        ProblemDetails,
        ProblemField,
        dto::users::UserBody,
        dto::products::ProductBody,
        dto::cart::CartBody,
        dto::orders::OrderBody,
        dto::products::ProductSortParam,
        dto::orders::QuoteBody,
        dto::addresses::AddressBody,
        dto::shipping_methods::ShippingMethodBody,
        dto::tax_rates::TaxRateBody,
        dto::discounts::DiscountBody,
        dto::api_keys::ApiKeyBody,
        dto::events::EventBody,
        dto::webhooks::WebhookBody,
        dto::webhooks::DeliveryBody,
    )),
    servers((url = "/", description = "The server this document is served by")),
    modifiers(&SecuritySchemes, &SharedRules, &DomainLimits, &ToolFriendly),
    tags(
        (name = "auth", description = "Registration and tokens"),
        (name = "users", description = "User accounts"),
        (name = "products", description = "The catalog"),
        (name = "cart", description = "The caller's cart"),
        (name = "orders", description = "Orders that never oversell, and their quotes"),
        (name = "payments", description = "The payment provider's signed webhook (Stripe's format)"),
        (name = "addresses", description = "The caller's saved addresses"),
        (name = "checkout", description = "Shipping methods, tax rates and discount codes"),
        (name = "api keys", description = "Service API keys for the shop's other apps (admin)"),
        (name = "events", description = "Every change, in commit order, exactly once"),
        (name = "webhooks", description = "Signed deliveries of events to the shop's other apps"),
        (name = "seed compatibility", description = "The original Zonmart's paths, deprecated: use /api/v1"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// `bearer`: paste an access token. `oauth2`: Swagger UI's Authorize logs in
/// through `POST /api/v1/auth/token`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new("/api/v1/auth/token", Scopes::new()))])),
        );
    }
}

/// A ULID as the server accepts it: Crockford base32, 26 characters, the
/// first at most `7`.
pub const ULID_PATTERN: &str = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$";
/// `If-Match` as the server accepts it: one strong tag holding a version.
pub const IF_MATCH_PATTERN: &str = "^\"[1-9][0-9]{0,17}\"$";

/// What every operation shares, declared once here instead of on each
/// handler: the problem answers of the extractors and middleware (400 where
/// there is input, 409/412/428 on versioned writes, 401 with
/// `WWW-Authenticate` where a token is needed, 413/415 where a body is read,
/// 429 with `Retry-After` and 503 wherever limits and the database apply),
/// and the shapes of ids and `If-Match`. A handler lists only its own
/// answers, or a more specific description of a shared one.
struct SharedRules;

const UNLIMITED_PATHS: [&str; 3] = ["/health", "/ready", "/metrics"];

/// Paths whose body is read as raw bytes whatever its declared type (the
/// provider's signature covers the bytes, not the header).
const RAW_BODY_PATHS: [&str; 1] = [crate::routes::payments::WEBHOOK_PATH];

/// Whether `op` asks for credentials: `security(())` alone (a public
/// operation, such as a signed webhook) declares one empty requirement.
fn needs_credentials(op: &Operation) -> bool {
    op.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement).is_ok_and(|value| value.as_object().is_some_and(|map| !map.is_empty()))
    })
}

fn problem(description: &str, header: Option<(&str, &str)>) -> utoipa::openapi::Response {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ProblemDetails"))).build();
    let mut response = ResponseBuilder::new().description(description).content("application/problem+json", content);
    if let Some((name, what)) = header {
        let schema = ObjectBuilder::new().schema_type(Type::String).build();
        response = response.header(name, HeaderBuilder::new().schema(Some(schema)).description(Some(what)).build());
    }
    response.build()
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.options, &mut item.head]
        .into_iter()
        .filter_map(Option::as_mut)
}

fn add(op: &mut Operation, status: &str, response: utoipa::openapi::Response) {
    // A handler's own, more specific description wins.
    op.responses.responses.entry(status.to_owned()).or_insert(RefOr::T(response));
}

fn declares_if_match(op: &Operation) -> bool {
    op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match"))
}

fn string_pattern(pattern: &str) -> RefOr<utoipa::openapi::schema::Schema> {
    ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).build().into()
}

impl Modify for SharedRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let limited = !UNLIMITED_PATHS.contains(&path.as_str());
            let typed_body = !RAW_BODY_PATHS.contains(&path.as_str());
            for op in operations(item) {
                if op.request_body.is_some() {
                    add(op, "408", problem("The body was not sent within 10 s", None));
                    add(op, "413", problem("The body is larger than 64 KiB", None));
                    if typed_body {
                        add(op, "415", problem("The body is not of the declared content type", None));
                    }
                }
                let has_input = op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if has_input {
                    add(op, "400", problem("Invalid input: `errors` names each field", None));
                }
                if declares_if_match(op) {
                    add(
                        op,
                        "409",
                        problem("Stale `version` in the body (`version_conflict`, with `current_version`)", None),
                    );
                    add(op, "412", problem("Stale `If-Match` (`version_conflict`, with `current_version`)", None));
                    add(op, "428", problem("No version stated: send `If-Match` or `version`", None));
                }
                if needs_credentials(op) {
                    add(
                        op,
                        "401",
                        problem("Missing, invalid or expired credentials", Some(("WWW-Authenticate", "`Bearer`"))),
                    );
                }
                if limited {
                    add(op, "429", problem("Rate limited", Some(("Retry-After", "Seconds to wait, at least 1"))));
                    add(op, "503", problem("The database is unavailable", Some(("Retry-After", "Seconds to wait"))));
                }
                for parameter in op.parameters.iter_mut().flatten() {
                    let RefOr::T(parameter) = parameter else { continue };
                    let pattern = match (&parameter.parameter_in, parameter.name.as_str()) {
                        (ParameterIn::Path, "id" | "user_id" | "order_id" | "product_id" | "delivery_id") => {
                            ULID_PATTERN
                        }
                        (ParameterIn::Query, "user_id" | "product_id") => ULID_PATTERN,
                        (ParameterIn::Header, "If-Match") => IF_MATCH_PATTERN,
                        _ => continue,
                    };
                    parameter.schema = Some(string_pattern(pattern));
                }
            }
        }
    }
}

/// What the generators client developers use need of the document, beyond
/// what utoipa writes: every response described (OpenAPI 3.1 requires it),
/// each problem answer with an example of its own status, `Retry-After` on
/// every 429, list pages that reference their item schema, optional
/// parameters typed without `null` (absent is how they are left out), and
/// the optional `{"version": n}` body of a versioned `DELETE` as a plain
/// optional body rather than `oneOf [body, null]`.
struct ToolFriendly;

impl Modify for ToolFriendly {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            if let Some(delete) = item.delete.as_mut() {
                optional_version_body(delete);
            }
            for op in operations(item) {
                for parameter in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(parameter) = parameter {
                        if parameter.required == Required::False {
                            parameter.schema.as_mut().map(drop_null_type);
                        }
                    }
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else { continue };
                    if response.description.is_empty() {
                        response.description = default_description(status);
                    }
                    if let Some(RefOr::T(content)) = response.content.get_mut(crate::problem::PROBLEM_JSON) {
                        content.example = problem_example(status);
                    }
                    if status == "429" && !response.headers.contains_key("Retry-After") {
                        let schema = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
                        let header =
                            HeaderBuilder::new().schema(Some(schema)).description(Some("Seconds to wait, at least 1"));
                        response.headers.insert("Retry-After".into(), RefOr::T(header.build()));
                    }
                }
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            for (name, schema) in components.schemas.iter_mut() {
                if let Some(item) = name.strip_prefix("PageBody_") {
                    *schema = page_of(item);
                }
            }
        }
    }
}

/// `{"items": [<$ref item>], "next_cursor": string | null}`.
fn page_of(item: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .description(Some("One page of a collection"))
        .property("items", ArrayBuilder::new().items(Ref::from_schema_name(item)))
        .required("items")
        .property(
            "next_cursor",
            ObjectBuilder::new()
                .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
                .description(Some("Pass as `cursor` to get the next page; `null` on the last page")),
        )
        .required("next_cursor")
        .into()
}

fn drop_null_type(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::Object(object)) = schema {
        if let SchemaType::Array(types) = &object.schema_type {
            let kept: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
            if let [only] = kept.as_slice() {
                object.schema_type = SchemaType::Type(only.clone());
            }
        }
    }
}

fn optional_version_body(op: &mut Operation) {
    let Some(RefOr::T(body)) = op.request_body.as_mut() else { return };
    for content in body.content.values_mut() {
        if let RefOr::T(content) = content {
            content.schema = Some(Ref::from_schema_name("VersionBody").into());
        }
    }
    body.required = Some(Required::False);
    body.description.get_or_insert_with(|| "Optional: `{\"version\": n}` instead of `If-Match`".to_owned());
}

fn default_description(status: &str) -> String {
    let reason =
        status.parse::<u16>().ok().and_then(|s| StatusCode::from_u16(s).ok()).and_then(|s| s.canonical_reason());
    reason.unwrap_or("Response").to_owned()
}

/// A problem document as the server would answer with `status`.
fn problem_example(status: &str) -> Option<serde_json::Value> {
    use zonmart_app::AppError;
    use zonmart_domain::Version;
    let three = Version::new(3).ok()?;
    let error = match status {
        "400" => ApiError::invalid("name", "must be 1 to 200 characters"),
        "401" => ApiError::App(AppError::Unauthorized),
        "403" => ApiError::App(AppError::Forbidden("only an admin may do this".into())),
        "404" => ApiError::App(AppError::NotFound),
        "408" => ApiError::RequestTimeout { limit: crate::extract::json::BODY_TIMEOUT },
        "409" => ApiError::App(AppError::VersionConflict { current: three }),
        "412" => ApiError::PreconditionFailed { current: three },
        "413" => ApiError::PayloadTooLarge { limit: crate::extract::BODY_LIMIT },
        "415" => ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()),
        "428" => ApiError::PreconditionRequired,
        "429" => ApiError::RateLimited { retry_after: 6 },
        "503" => ApiError::App(AppError::Unavailable),
        _ => return None,
    };
    serde_json::to_value(error.to_problem()).ok()
}
