//! The OpenAPI 3.1 document served at `/api-docs/openapi.json` and shown by
//! Swagger UI at `/docs`.

use utoipa::openapi::security::{Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::dto;
use crate::problem::{ProblemDetails, ProblemField};
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
    ),
    components(schemas(ProblemDetails, ProblemField, dto::users::UserBody, dto::page::PageBody<dto::users::UserBody>)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Registration and tokens"),
        (name = "users", description = "User accounts"),
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
