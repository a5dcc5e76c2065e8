//! HTTP routes outside the Leptos app.

/// The prefix of the REST API: every route under it answers the JSON error shape
/// (`crate::error::json_errors`), and the auth layer refuses a bad token there with a 401
/// instead of rendering a page signed out. `startup.rs` mounts the API's routes and its
/// not-found answer under it.
pub(crate) const API_PREFIX: &str = "/api/";

pub(crate) mod extract;
pub(crate) mod health;
pub mod me;
pub(crate) mod projects;
