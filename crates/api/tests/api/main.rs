//! HTTP tests: a real Zonmart server per test (port 0, its own database),
//! driven by an HTTP client exactly as API.md's clients would.

mod support;

mod auth;
mod cart;
mod checkout;
mod compat;
mod contract;
mod crash;
mod demo;
mod integration;
mod orders;
mod outage;
mod payments;
mod products;
mod proxy;
mod sessions;
mod shutdown;
mod strict_input;
mod users;
mod versions;
mod webhooks;
