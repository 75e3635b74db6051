//! Zonmart's HTTP layer: a thin actix-web adapter over the use cases.
//!
//! - [`startup`]: builds the app and the server (`Application::build`).
//! - [`config`]: settings from the environment.
//! - [`demo`]: the demo shop's progress line and what it prints.
//! - [`routes`]: handlers, one module per resource.
//! - [`compat`]: the original Zonmart's paths, translated onto the same use cases.
//! - [`dto`]: request/response bodies and their OpenAPI schemas.
//! - [`extract`]: strict JSON, bearer auth, version preconditions, ids.
//! - [`problem`]: the one error → problem-document mapping.
//! - [`rate_limit`]: per-IP and per-user limits; [`cors`]: browser origins.
//! - [`idempotency`]: `Idempotency-Key` on the wire.
//! - [`metrics`]: Prometheus `/metrics`.
//! - [`openapi`], [`telemetry`], [`state`].

pub mod compat;
pub mod config;
pub mod cors;
pub mod demo;
pub mod dto;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod rate_limit;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
