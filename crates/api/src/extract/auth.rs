//! The authenticated caller, from `Authorization: Bearer <token>`. Which
//! actor may do what is decided by the use cases, not here.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use zonmart_app::AppError;
use zonmart_domain::Actor;

use crate::problem::ApiError;
use crate::state::AppState;

/// A caller with a valid access token of an existing, enabled user.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub Actor);

/// The bearer token of a request, if it carries one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req).map(str::to_owned);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let token = token.ok_or(ApiError::App(AppError::Unauthorized))?;
            let state = state.ok_or_else(|| ApiError::App(AppError::Internal("app state missing".into())))?;
            let actor = state.auth.authenticate(&token).await?;
            // For the request log line.
            req.extensions_mut().insert(actor);
            Ok(Authenticated(actor))
        })
    }
}
