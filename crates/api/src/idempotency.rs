//! `Idempotency-Key` on HTTP: reading the header, fingerprinting the request,
//! and replaying a stored answer. The rules (24 h, one body per key, one
//! request at a time) are the `IdempotencyService`'s.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zonmart_domain::IdempotencyKey;
use zonmart_ports::StoredResponse;

use crate::extract::precondition::etag;
use crate::problem::ApiError;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The request's key, if it sent one; a malformed one is a 400.
pub fn key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let invalid = |message: String| ApiError::invalid("Idempotency-Key", message);
    let text = raw.to_str().map_err(|_| invalid("must be printable ASCII".into()))?;
    IdempotencyKey::parse(text).map(Some).map_err(|e| invalid(e.to_string()))
}

/// A fingerprint of what was asked: method, path and the JSON body with its
/// keys sorted, so formatting and member order do not matter.
pub fn fingerprint(req: &HttpRequest, body: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    let digest = Sha256::new()
        .chain_update(req.method().as_str())
        .chain_update(b" ")
        .chain_update(req.path())
        .chain_update(b"\n")
        .chain_update(canonical.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (n, (key, item)) in entries.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The stored first answer: `201 Created` (what a success of an idempotent
/// call, a creation, answers) with the headers derived from its body
/// (`Location` and `ETag` of the created resource) and a marker header.
pub fn replay(stored: &StoredResponse, location_prefix: &str) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.content_type("application/json").insert_header(("idempotent-replayed", "true"));
    if let Ok(body) = serde_json::from_str::<Value>(&stored.body) {
        if let Some(id) = body.get("id").and_then(Value::as_str) {
            response.insert_header((header::LOCATION, format!("{location_prefix}/{id}")));
        }
        if let Some(version) =
            body.get("version").and_then(Value::as_i64).and_then(|v| zonmart_domain::Version::new(v).ok())
        {
            response.insert_header((header::ETAG, etag(version)));
        }
    }
    response.body(stored.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use serde_json::json;

    #[test]
    fn member_order_and_spacing_do_not_change_the_fingerprint() {
        let req = TestRequest::post().uri("/api/v1/orders").to_http_request();
        let a = fingerprint(&req, &json!({"items": [{"product_id": "A", "quantity": 1}], "x": null}));
        let b: Value = serde_json::from_str(r#"{ "x":null, "items":[ {"quantity":1,"product_id":"A"} ] }"#).unwrap();
        assert_eq!(a, fingerprint(&req, &b));
    }

    #[test]
    fn another_body_or_path_changes_it() {
        let req = TestRequest::post().uri("/api/v1/orders").to_http_request();
        let other_path = TestRequest::post().uri("/api/v1/other").to_http_request();
        let body = json!({"items": [{"product_id": "A", "quantity": 1}]});
        let more = json!({"items": [{"product_id": "A", "quantity": 2}]});
        assert_ne!(fingerprint(&req, &body), fingerprint(&req, &more));
        assert_ne!(fingerprint(&req, &body), fingerprint(&other_path, &body));
    }
}
