//! The published schema of each input rule, made from the domain's rule
//! itself (`ProductName::RULE`, `Username::LENGTH`, …), so a limit is written
//! once: change it in the domain and the OpenAPI document follows. A field
//! names its schema with `#[schema(schema_with = rules::product_name::required)]`
//! (or `::optional` where it may be absent or `null`). utoipa's `min_length`
//! and friends take literals only (juhaku/utoipa#1322), hence functions.

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use zonmart_domain::text::TextRule;
use zonmart_domain::{
    AddressField, ApiKeyName, Description, Email, FullName, MethodName, Password, ProductName, Username,
    WebhookDescription,
};

/// One line: no control characters, not blank.
const LINE: &str = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$";
/// Lines: as [`LINE`], with line breaks and tabs allowed.
const LINES: &str = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$";
/// The alphabet of [`Username`].
const USERNAME: &str = "^[A-Za-z0-9_.-]+$";
/// The shape [`Email::parse`] checks: one `@`, a local part of at most 64
/// characters, a dotted domain of labels of at most 63.
const EMAIL: &str =
    "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]{1,64}@[^@\\s.\\x00-\\x1f\\x7f-\\x9f]{1,63}(\\.[^@\\s.\\x00-\\x1f\\x7f-\\x9f]{1,63})+$";

fn string(nullable: bool) -> ObjectBuilder {
    let ty = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::new(Type::String) };
    ObjectBuilder::new().schema_type(ty)
}

fn text(rule: TextRule, nullable: bool) -> Object {
    string(nullable)
        .min_length(Some(rule.min))
        .max_length(Some(rule.max))
        .pattern(Some(if rule.multiline { LINES } else { LINE }))
        .build()
}

fn username(nullable: bool) -> Object {
    let length = Username::LENGTH;
    string(nullable)
        .description(Some(format!("{}..{} of `[A-Za-z0-9_.-]`, unique ignoring case.", length.start(), length.end())))
        .min_length(Some(*length.start()))
        .max_length(Some(*length.end()))
        .pattern(Some(USERNAME))
        .build()
}

fn email(nullable: bool) -> Object {
    string(nullable)
        .description(Some("Unique ignoring case; stored lower-cased."))
        .max_length(Some(Email::MAX_LENGTH))
        .pattern(Some(EMAIL))
        .build()
}

fn password(nullable: bool) -> Object {
    let length = Password::LENGTH;
    string(nullable)
        .description(Some(format!("{}..{} characters.", length.start(), length.end())))
        .min_length(Some(*length.start()))
        .max_length(Some(*length.end()))
        .build()
}

/// For each rule, a module with `required()` and `optional()` (the same
/// schema, `null` allowed).
macro_rules! schemas {
    ($($name:ident => $schema:expr;)*) => {$(
        pub mod $name {
            use super::*;
            pub fn required() -> Object {
                ($schema)(false)
            }
            pub fn optional() -> Object {
                ($schema)(true)
            }
        }
    )*};
}

schemas! {
    product_name => |nullable| text(ProductName::RULE, nullable);
    product_description => |nullable| text(Description::RULE, nullable);
    shipping_method_name => |nullable| text(MethodName::RULE, nullable);
    address_field => |nullable| text(AddressField::RULE, nullable);
    full_name => |nullable| text(FullName::RULE, nullable);
    postal_address => |nullable| text(zonmart_domain::Address::RULE, nullable);
    api_key_name => |nullable| text(ApiKeyName::RULE, nullable);
    webhook_description => |nullable| text(WebhookDescription::RULE, nullable);
    username => username;
    email => email;
    password => password;
}
