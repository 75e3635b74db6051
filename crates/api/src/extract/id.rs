//! Ids in paths: a malformed one is a 400 naming the path parameter.

use std::str::FromStr;

use zonmart_domain::InvalidId;

use crate::problem::ApiError;

pub fn parse_id<T: FromStr<Err = InvalidId>>(raw: &str, name: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|e: InvalidId| ApiError::invalid(name, e.to_string()))
}
