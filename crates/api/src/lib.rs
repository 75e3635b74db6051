//! Zonmart's HTTP layer: a thin actix-web adapter over the use cases.
//!
//! - [`startup`]: builds the app and the server (`Application::build`).
//! - [`config`]: settings from the environment.
//! - [`routes`]: handlers, one module per resource.
//! - [`dto`]: request/response bodies and their OpenAPI schemas.
//! - [`extract`]: strict JSON, bearer auth, version preconditions, ids.
//! - [`problem`]: the one error → problem-document mapping.
//! - [`rate_limit`]: per-IP and per-user limits.
//! - [`openapi`], [`telemetry`], [`state`].

pub mod config;
pub mod dto;
pub mod extract;
pub mod openapi;
pub mod problem;
pub mod rate_limit;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
