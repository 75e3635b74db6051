//! The caller, from `Authorization: Bearer <token>`: [`Authenticated`] (the
//! token's user looked up), or [`TokenHolder`] for the one use case that
//! checks the user inside its own transaction. Which actor may do what is
//! decided by the use cases, not here.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use zonmart_app::AppError;
use zonmart_domain::api_key::is_api_key;
use zonmart_domain::{Actor, Denied, Session};

use crate::problem::ApiError;
use crate::state::AppState;
use crate::telemetry::Caller;

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
            let state = state.ok_or_else(app_state_missing)?;
            let actor = if is_api_key(&token) {
                state.api_keys.authenticate(&token).await?
            } else {
                state.auth.authenticate(&token).await?
            };
            // For the request log line.
            req.extensions_mut().insert(Caller(actor.user_id));
            Ok(Authenticated(actor))
        })
    }
}

/// A caller with an access token valid now (signature and expiry), its user
/// NOT looked up yet: only for a use case that checks the user exists and is
/// enabled inside its own transaction (placing an order), or for one that
/// needs the user itself ([`TokenHolder::current_user`], `GET /users/me`),
/// which each save a look-up's round trip. Everything else takes
/// [`Authenticated`]. API keys are refused: these are user-account calls.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub session: Session,
    token: String,
}

impl TokenHolder {
    /// The full check [`Authenticated`] makes, for when the use case cannot
    /// make it itself.
    pub async fn authenticate(&self, state: &AppState) -> Result<Actor, ApiError> {
        Ok(state.auth.authenticate(&self.token).await?)
    }

    /// The token's user, after the same full check as [`Authenticated`], in
    /// that one look-up.
    pub async fn current_user(&self, state: &AppState) -> Result<zonmart_domain::User, ApiError> {
        Ok(state.auth.current_user(&self.token).await?)
    }
}

impl FromRequest for TokenHolder {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req).map(str::to_owned);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let token = token.ok_or(ApiError::App(AppError::Unauthorized))?;
            let state = state.ok_or_else(app_state_missing)?;
            // Only users make these calls (API.md): a key is refused, but a
            // bad or revoked one is a bad credential first (401, as
            // everywhere else), a good one a forbidden call (403).
            if is_api_key(&token) {
                state.api_keys.authenticate(&token).await?;
                return Err(ApiError::App(Denied::UserAccountsOnly.into()));
            }
            let session = state.auth.verify_token(&token)?;
            req.extensions_mut().insert(Caller(session.user_id));
            Ok(TokenHolder { session, token })
        })
    }
}

fn app_state_missing() -> ApiError {
    ApiError::App(AppError::Internal("app state missing".into()))
}
