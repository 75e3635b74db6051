//! Strict form bodies (`application/x-www-form-urlencoded`, the OAuth2
//! password grant): the declared type only (415), at most 64 KiB (413),
//! sent within the body timeout (408), no U+0000 in any name or value
//! (400), and a bad field named in the 400.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::json::read_body;
use crate::problem::ApiError;

/// A form body, strictly checked.
#[derive(Debug)]
pub struct ApiForm<T>(pub T);

fn is_form(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiForm<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let wrong_type = (!is_form(req)).then(|| {
            ApiError::UnsupportedMediaType("send the form as Content-Type: application/x-www-form-urlencoded".into())
        });
        let body = read_body(req, payload, wrong_type);
        Box::pin(async move { parse(&body.await?).map(ApiForm) })
    }
}

/// Parses a form body into `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    for (name, value) in form_urlencoded::parse(bytes) {
        if name.contains('\0') || value.contains('\0') {
            let field = if name.contains('\0') { "body".into() } else { name.into_owned() };
            return Err(ApiError::invalid(&field, "must not contain U+0000"));
        }
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let message = e.inner().to_string();
        let field = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
            .unwrap_or_else(|| e.path().to_string());
        let field = if field.is_empty() || field == "." { "body".to_owned() } else { field };
        ApiError::invalid(&field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        password: String,
    }

    fn field(bytes: &[u8]) -> String {
        match parse::<Login>(bytes).unwrap_err() {
            ApiError::BadRequest { errors, .. } => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nul_in_a_value_is_refused_naming_the_field() {
        assert_eq!(field(b"username=a%00b&password=x"), "username");
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(field(b"username=alice"), "password");
    }

    #[test]
    fn a_good_form_parses() {
        let login: Login = parse(b"username=alice&password=correct+horse").unwrap();
        assert_eq!((login.username.as_str(), login.password.as_str()), ("alice", "correct horse"));
    }
}
