//! HTTP routes outside the Leptos app.

pub(crate) mod extract;
pub(crate) mod health;
pub mod me;
pub(crate) mod projects;
