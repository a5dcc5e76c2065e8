//! Populatte's server: configuration, the HTTP stack, SSR and the infrastructure that
//! implements the core's ports.

pub mod auth;
pub mod clerk;
pub mod config;
pub mod db;
pub mod delivery;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod retry;
pub mod routes;
mod security;
pub mod startup;
mod state;
pub mod telemetry;
pub mod webhooks;
