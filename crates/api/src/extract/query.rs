//! Query strings, with the offending parameter named in a 400 (actix's own
//! `Query` reports only a message). Unknown parameters and U+0000 never get
//! here: [`declared_query`](super::declared_query) refuses them first.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(ApiQuery))
    }
}

pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let field = if field.is_empty() || field == "." { "query".to_owned() } else { field };
        ApiError::invalid(&field, e.inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<i64>,
        in_stock: Option<bool>,
    }

    fn field(query: &str) -> String {
        match parse::<Q>(query).unwrap_err() {
            ApiError::BadRequest { errors, .. } => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bad_value_names_its_parameter() {
        assert_eq!(field("limit=1.0"), "limit");
        assert_eq!(field("limit=5&in_stock=maybe"), "in_stock");
    }

    #[test]
    fn good_and_unknown_parameters_parse() {
        let q: Q = parse("limit=5&other=1").unwrap();
        assert_eq!(q.limit, Some(5));
    }
}
