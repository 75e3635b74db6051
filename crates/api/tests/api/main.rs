//! HTTP tests: a real Zonmart server per test (port 0, its own database),
//! driven by an HTTP client exactly as API.md's clients would.

mod support;

mod auth;
mod cart;
mod compat;
mod contract;
mod integration;
mod orders;
mod outage;
mod products;
mod proxy;
mod shutdown;
mod users;
mod versions;
mod webhooks;
