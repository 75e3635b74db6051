//! The published schema of each input rule, made from the domain's rule
//! itself (`ProductName::RULE`, `Username::LENGTH`, …), so a limit is written
//! once: change it in the domain and the OpenAPI document follows. A field
//! names its schema with `#[schema(schema_with = rules::product_name::required)]`
//! (or `::optional` where it may be absent or `null`). utoipa's `min_length`
//! and friends take literals only (juhaku/utoipa#1322), hence functions.

use std::collections::BTreeSet;

use utoipa::openapi::schema::{ArrayItems, Object, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;
use zonmart_domain::text::TextRule;
use zonmart_domain::{
    AddressField, ApiKeyName, Description, DiscountCode, Email, FullName, MethodName, Password, PriceCents,
    ProductName, Quantity, RateBp, Sku, Stock, Username, WebhookDescription,
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

/// A string of `length` characters, its bounds said in `description`.
fn sized(nullable: bool, length: std::ops::RangeInclusive<usize>, description: &str) -> ObjectBuilder {
    string(nullable)
        .description(Some(format!("{}..{} {description}", length.start(), length.end())))
        .min_length(Some(*length.start()))
        .max_length(Some(*length.end()))
}

fn username(nullable: bool) -> Object {
    sized(nullable, Username::LENGTH, "of `[A-Za-z0-9_.-]`, unique ignoring case.").pattern(Some(USERNAME)).build()
}

fn email(nullable: bool) -> Object {
    string(nullable)
        .description(Some("Unique ignoring case; stored lower-cased."))
        .max_length(Some(Email::MAX_LENGTH))
        .pattern(Some(EMAIL))
        .build()
}

fn password(nullable: bool) -> Object {
    sized(nullable, Password::LENGTH, "characters.").build()
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

/// The bounds of the whole numbers a request may carry, by property name,
/// from the domain's constants (a `price_cents` anywhere in a request body
/// is a [`PriceCents`]).
const NUMBER_RULES: [(&str, i64, i64); 5] = [
    ("price_cents", 0, PriceCents::MAX),
    ("free_over_cents", 0, PriceCents::MAX),
    ("stock", 0, Stock::MAX),
    ("quantity", 1, Quantity::MAX),
    ("rate_bp", 0, RateBp::MAX),
];

/// The shapes of the codes a request may carry, by property name.
fn code_pattern(property: &str) -> Option<String> {
    let (alphabet, length) = match property {
        "sku" => ("A-Za-z0-9_.-", Sku::LENGTH),
        "code" | "discount_code" => ("A-Za-z0-9_-", DiscountCode::LENGTH),
        _ => return None,
    };
    Some(format!("^[{alphabet}]{{{},{}}}$", length.start(), length.end()))
}

/// Writes [`NUMBER_RULES`] and the codes' patterns into every schema a
/// request body uses (found from the operations, through `$ref`s), keeping
/// each field's own description. utoipa's `maximum` takes literals only,
/// so without this each limit would be copied by hand into the DTOs.
pub struct DomainLimits;

impl Modify for DomainLimits {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut inputs = BTreeSet::new();
        let mut pending: Vec<String> = Vec::new();
        for item in openapi.paths.paths.values() {
            for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch].into_iter().flatten() {
                let Some(RefOr::T(body)) = &op.request_body else { continue };
                for content in body.content.values() {
                    if let RefOr::T(content) = content {
                        pending.extend(content.schema.iter().flat_map(referenced));
                    }
                }
            }
        }
        let Some(components) = openapi.components.as_mut() else { return };
        while let Some(name) = pending.pop() {
            if inputs.insert(name.clone()) {
                if let Some(schema) = components.schemas.get(&name) {
                    pending.extend(referenced(schema));
                }
            }
        }
        for name in &inputs {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else { continue };
            for (property, field) in object.properties.iter_mut() {
                let RefOr::T(Schema::Object(field)) = field else { continue };
                if let Some((_, min, max)) = NUMBER_RULES.iter().find(|(known, ..)| known == property) {
                    field.minimum = Some((*min).into());
                    field.maximum = Some((*max).into());
                } else if let Some(pattern) = code_pattern(property) {
                    field.pattern = Some(pattern);
                }
            }
        }
    }
}

/// The component names `schema` refers to, directly or in its properties,
/// items and alternatives.
fn referenced(schema: &RefOr<Schema>) -> Vec<String> {
    match schema {
        RefOr::Ref(reference) => {
            reference.ref_location.strip_prefix("#/components/schemas/").map(str::to_owned).into_iter().collect()
        }
        RefOr::T(Schema::Object(object)) => object.properties.values().flat_map(referenced).collect(),
        RefOr::T(Schema::Array(array)) => match &array.items {
            ArrayItems::RefOrSchema(items) => referenced(items),
            _ => Vec::new(),
        },
        RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter().flat_map(referenced).collect(),
        RefOr::T(Schema::AllOf(all_of)) => all_of.items.iter().flat_map(referenced).collect(),
        RefOr::T(Schema::AnyOf(any_of)) => any_of.items.iter().flat_map(referenced).collect(),
        RefOr::T(_) => Vec::new(),
    }
}
