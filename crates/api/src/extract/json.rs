//! Strict JSON bodies, as API.md demands: `application/json` only (415),
//! at most 64 KiB (413), sent within [`BODY_TIMEOUT`] (408), well-formed
//! (400), no member name twice in an object (400), no U+0000 anywhere
//! (400), no unknown fields and exact types (400, naming the field as a
//! dotted path).

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

/// How long a client may take to send a whole body: a slow sender holds a
/// connection and a worker's attention, so it is cut off (408).
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

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
        let body = read_json_body(req, payload);
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
        let body = read_json_body(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            let value: Value = if bytes.is_empty() { Value::Null } else { parse_document(&bytes)? };
            // `null` is no body, as an absent one.
            if value.is_null() {
                return Ok(MaybeJson(None));
            }
            from_value(value).map(|value| MaybeJson(Some(value)))
        })
    }
}

/// A body kept byte for byte as sent, for a signature over those bytes
/// (the payments webhook). The same size and time limits as [`ApiJson`];
/// its type is not checked: the signature vouches for it.
#[derive(Debug)]
pub struct RawBody(pub web::BytesMut);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, None);
        Box::pin(async move { body.await.map(RawBody) })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn read_json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<web::BytesMut, ApiError>> {
    let wrong_type = (!is_json(req))
        .then(|| ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()));
    read_body(req, payload, wrong_type)
}

/// Reads a body of at most [`BODY_LIMIT`] bytes within [`BODY_TIMEOUT`],
/// unless `wrong_type` says its declared type is not the one expected.
pub(super) fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    wrong_type: Option<ApiError>,
) -> LocalBoxFuture<'static, Result<web::BytesMut, ApiError>> {
    let declared: Option<usize> =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if let Some(wrong_type) = wrong_type {
            return Err(wrong_type);
        }
        if declared.is_some_and(|len| len > BODY_LIMIT) {
            return Err(ApiError::PayloadTooLarge { limit: BODY_LIMIT });
        }
        let read = async {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::malformed(format!("the body could not be read: {e}")))?;
                if body.len() + chunk.len() > BODY_LIMIT {
                    return Err(ApiError::PayloadTooLarge { limit: BODY_LIMIT });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        tokio::time::timeout(BODY_TIMEOUT, read).await.map_err(|_| ApiError::RequestTimeout { limit: BODY_TIMEOUT })?
    })
}

/// Parses and checks a JSON document into `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    from_value(parse_document(bytes)?)
}

/// Parses a JSON document, refusing one that is malformed or names a member
/// twice in one object (serde_json alone would keep the last silently).
pub fn parse_document(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = <UniqueMembers as serde::Deserialize>::deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value.0))
        .map_err(|e| ApiError::malformed(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// A JSON value whose objects name each member once.
struct UniqueMembers(Value);

impl<'de> serde::Deserialize<'de> for UniqueMembers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueMembersVisitor).map(UniqueMembers)
    }
}

struct UniqueMembersVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueMembersVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueMembers(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let UniqueMembers(value) = map.next_value()?;
            if members.insert(name.clone(), value).is_some() {
                return Err(serde::de::Error::custom(format!("the member `{name}` appears twice")));
            }
        }
        Ok(Value::Object(members))
    }
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
    fn a_member_named_twice_is_refused_at_any_depth() {
        for body in [r#"{"items":[],"note":"a","note":"b"}"#, r#"{"items":[{"quantity":1,"quantity":2}]}"#] {
            let err = parse::<Order>(body.as_bytes()).unwrap_err();
            assert!(matches!(&err, ApiError::BadRequest { detail, .. } if detail.contains("twice")), "{err:?}");
        }
    }

    #[test]
    fn trailing_data_after_the_document_is_refused() {
        assert!(matches!(parse::<Order>(br#"{"items":[]} {}"#), Err(ApiError::BadRequest { .. })));
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
