//! Strict JSON bodies, as API.md demands: `application/json` only (415),
//! at most 64 KiB (413), well-formed (400), no U+0000 anywhere (400), no
//! unknown fields and exact types (400, naming the field as a dotted path).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::problem::ApiError;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body, strictly checked.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// An optional JSON body (e.g. a `DELETE` may carry `{"version": n}`): an
/// empty body is `None`; a present one is checked exactly like [`ApiJson`].
#[derive(Debug)]
pub struct MaybeJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            if bytes.is_empty() {
                return Err(ApiError::malformed("a JSON body is required"));
            }
            parse(&bytes).map(ApiJson)
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for MaybeJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req.headers().get(header::CONTENT_LENGTH).is_none_or(|len| len.as_bytes() == b"0")
            && req.headers().get(header::TRANSFER_ENCODING).is_none();
        if empty {
            return Box::pin(async { Ok(MaybeJson(None)) });
        }
        let body = read_body(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            let value: Value = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes)
                    .map_err(|e| ApiError::malformed(format!("the body is not valid JSON: {e}")))?
            };
            // `null` is no body, as an absent one.
            if value.is_null() {
                return Ok(MaybeJson(None));
            }
            from_value(value).map(|value| MaybeJson(Some(value)))
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the body after checking its declared type and size.
fn read_body(req: &HttpRequest, payload: &mut Payload) -> LocalBoxFuture<'static, Result<web::BytesMut, ApiError>> {
    let json = is_json(req);
    let declared: Option<usize> =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if !json {
            return Err(ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()));
        }
        if declared.is_some_and(|len| len > BODY_LIMIT) {
            return Err(ApiError::PayloadTooLarge { limit: BODY_LIMIT });
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::malformed(format!("the body could not be read: {e}")))?;
            if body.len() + chunk.len() > BODY_LIMIT {
                return Err(ApiError::PayloadTooLarge { limit: BODY_LIMIT });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    })
}

/// Parses and checks a JSON document into `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::malformed(format!("the body is not valid JSON: {e}")))?;
    from_value(value)
}

/// Checks an already parsed JSON document and turns it into `T`, naming the
/// offending field of any mismatch.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    if let Some(field) = find_nul(&value, &mut Vec::new()) {
        return Err(ApiError::invalid(&field, "must not contain U+0000"));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = dotted(e.path());
        let message = e.inner().to_string();
        // serde reports unknown and missing fields at the enclosing object;
        // name the field itself.
        let named = quoted_name(&message, "unknown field `").or_else(|| quoted_name(&message, "missing field `"));
        let field = match (named, path.as_str()) {
            (Some(name), "" | ".") => name,
            // An unknown field's path already ends with it; a missing one's does not.
            (Some(name), p) if p == name || p.ends_with(&format!(".{name}")) => p.to_string(),
            (Some(name), parent) => format!("{parent}.{name}"),
            (None, "" | ".") => "body".to_string(),
            (None, p) => p.to_string(),
        };
        ApiError::invalid(&field, message)
    })
}

fn quoted_name(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_string)
}

/// `items.0.quantity` rather than serde_path_to_error's `items[0].quantity`.
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let parts: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    parts.join(".")
}

/// The dotted path of the first string (or key) holding U+0000.
fn find_nul(value: &Value, path: &mut Vec<String>) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() { "body".into() } else { path.join(".") }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(i.to_string());
            let found = find_nul(item, path);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            path.push(key.clone());
            let found = if key.contains('\0') { Some(path.join(".")) } else { find_nul(item, path) };
            path.pop();
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        quantity: i64,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Order {
        items: Vec<Line>,
        note: Option<String>,
    }

    fn field_of(err: ApiError) -> String {
        match err {
            ApiError::BadRequest { errors, .. } => errors[0].field.clone(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn a_float_where_an_integer_belongs_names_the_nested_field() {
        for body in [r#"{"items":[{"quantity":5.0}]}"#, r#"{"items":[{"quantity":5e0}]}"#] {
            assert_eq!(field_of(parse::<Order>(body.as_bytes()).unwrap_err()), "items.0.quantity");
        }
    }

    #[test]
    fn an_unknown_field_is_named() {
        let err = parse::<Order>(br#"{"items":[],"colour":"red"}"#).unwrap_err();
        assert_eq!(field_of(err), "colour");
        let err = parse::<Order>(br#"{"items":[{"quantity":1,"qty":2}]}"#).unwrap_err();
        assert_eq!(field_of(err), "items.0.qty");
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(field_of(parse::<Order>(br#"{"note":"x"}"#).unwrap_err()), "items");
    }

    #[test]
    fn nul_in_any_string_is_refused_with_its_path() {
        let err = parse::<Order>(br#"{"items":[],"note":"a\u0000b"}"#).unwrap_err();
        assert_eq!(field_of(err), "note");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse::<Order>(b"{\"items\":"), Err(ApiError::BadRequest { .. })));
    }

    #[test]
    fn a_well_formed_body_parses() {
        let order: Order = parse(br#"{"items":[{"quantity":2}]}"#).unwrap();
        assert_eq!(order.items[0].quantity, 2);
    }
}
