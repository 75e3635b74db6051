//! Query strings as API.md wants them on every operation: no U+0000 in any
//! name or value (400), and no parameter the operation does not declare
//! (400, naming it), so a typo in a filter (`?min_price=`) never silently
//! widens a listing.
//!
//! The declared parameters are read from the OpenAPI document the server
//! serves, so the document and the server cannot disagree: a parameter a
//! handler reads but the document omits is refused, which a test notices.
//! Checked by middleware for every request, so no handler can forget it.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::ResponseError;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};

use crate::problem::ApiError;

/// Operational paths that take no query and are not part of the API.
const UNCHECKED_PATHS: [&str; 3] = ["/health", "/ready", "/metrics"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

/// An operation's path template and the query parameters it declares.
type Declared = (Vec<Segment>, BTreeSet<String>);

/// Every operation's path template and declared query parameters.
#[derive(Debug, Default)]
pub struct DeclaredQueries {
    operations: HashMap<Method, Vec<Declared>>,
}

impl DeclaredQueries {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let mut declared = DeclaredQueries::default();
        for (path, item) in &doc.paths.paths {
            let template = segments(path);
            let operations = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                declared.operations.entry(method).or_default().push((template.clone(), query_names(operation)));
            }
        }
        declared
    }

    /// The query parameters the operation at `method` `path` declares;
    /// `None` when no operation is there (routing then answers 404 or 405).
    fn of(&self, method: &Method, path: &str) -> Option<&BTreeSet<String>> {
        let path = segments(path);
        let candidates = self.operations.get(method)?;
        // A literal segment beats a parameter (`/users/me` over `/users/{id}`).
        let matching = candidates.iter().filter(|(template, _)| matches(template, &path));
        matching
            .max_by_key(|(template, _)| template.iter().filter(|s| matches!(s, Segment::Literal(_))).count())
            .map(|(_, names)| names)
    }

    /// The problem with `query` for the operation at `method` `path`, if any.
    pub fn check(&self, method: &Method, path: &str, query: &str) -> Result<(), ApiError> {
        let declared = if UNCHECKED_PATHS.contains(&path) { None } else { self.of(method, path) };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if name.contains('\0') || value.contains('\0') {
                let field = if name.contains('\0') { "query" } else { &name };
                return Err(ApiError::invalid(field, "must not contain U+0000"));
            }
            if let Some(declared) = declared {
                if !declared.contains(name.as_ref()) {
                    let known = if declared.is_empty() {
                        "this operation takes no query parameters".to_owned()
                    } else {
                        format!("this operation takes: {}", declared.iter().cloned().collect::<Vec<_>>().join(", "))
                    };
                    return Err(ApiError::invalid(&name, format!("is not a query parameter here; {known}")));
                }
            }
        }
        Ok(())
    }
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .map(
            |s| {
                if s.starts_with('{') && s.ends_with('}') {
                    Segment::Parameter
                } else {
                    Segment::Literal(s.to_owned())
                }
            },
        )
        .collect()
}

fn matches(template: &[Segment], path: &[Segment]) -> bool {
    template.len() == path.len()
        && template.iter().zip(path).all(|(t, p)| match (t, p) {
            (Segment::Parameter, Segment::Literal(p)) => !p.is_empty(),
            (Segment::Literal(t), Segment::Literal(p)) => t == p,
            _ => false,
        })
}

fn query_names(operation: &Operation) -> BTreeSet<String> {
    operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) if p.parameter_in == ParameterIn::Query => Some(p.name.clone()),
            _ => None,
        })
        .collect()
}

/// The middleware: refuses a request whose query string `check` refuses.
pub async fn refuse_undeclared(
    declared: Rc<DeclaredQueries>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !req.query_string().is_empty() {
        if let Err(problem) = declared.check(req.method(), req.path(), req.query_string()) {
            let response = problem.error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi as _;

    fn declared() -> DeclaredQueries {
        DeclaredQueries::from_openapi(&crate::openapi::ApiDoc::openapi())
    }

    fn field(result: Result<(), ApiError>) -> String {
        match result {
            Err(ApiError::BadRequest { errors, .. }) => errors[0].field.clone(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn declared_parameters_pass() {
        let d = declared();
        assert!(d.check(&Method::GET, "/api/v1/products", "q=tea&min_price_cents=1&limit=5&sort=name").is_ok());
        assert!(d.check(&Method::POST, "/home", "skip=0&limit=10").is_ok());
    }

    #[test]
    fn a_typo_in_a_filter_is_refused_naming_it() {
        assert_eq!(field(declared().check(&Method::GET, "/api/v1/products", "min_price=100")), "min_price");
    }

    #[test]
    fn an_operation_without_parameters_takes_none() {
        let d = declared();
        let id = "01JDQ3M6Z9Y8X7W6V5T4S3R2Q1";
        assert_eq!(field(d.check(&Method::GET, &format!("/api/v1/products/{id}"), "x=1")), "x");
        assert_eq!(field(d.check(&Method::GET, "/api/v1/users/me", "limit=1")), "limit");
    }

    #[test]
    fn nul_is_refused_anywhere_in_the_query_even_where_nothing_is_checked() {
        let d = declared();
        assert_eq!(field(d.check(&Method::GET, "/api/v1/products", "q=%00")), "q");
        assert_eq!(field(d.check(&Method::GET, "/api/v1/products", "cursor=a%00b")), "cursor");
        assert_eq!(field(d.check(&Method::GET, "/health", "x=%00")), "x");
        assert!(d.check(&Method::GET, "/health", "x=1").is_ok());
    }

    #[test]
    fn unknown_paths_and_methods_are_left_to_routing() {
        let d = declared();
        assert!(d.check(&Method::GET, "/nowhere", "x=1").is_ok());
        assert!(d.check(&Method::PUT, "/api/v1/products", "x=1").is_ok());
    }
}
