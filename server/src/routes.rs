//! HTTP routes outside the Leptos app.

pub mod extract;
pub mod health;
pub mod me;
pub mod projects;
