//! An offline stand-in for the parts of Clerk an app touches, so that the app's real code
//! paths run unchanged against it with no Clerk account and no network:
//!
//! - a JWKS (`/.well-known/jwks.json`, Backend API `/v1/jwks`) and Clerk-shaped RS256
//!   session and JWT-template tokens, with key rotation and a clock offset;
//! - the Backend API for users, sessions and sign-in tokens, as Clerk's Node SDK calls it,
//!   with a failure switch and call counters;
//! - Clerk's Frontend API for the real clerk-js 6 (served from the emulator's own origin,
//!   in proxy mode): environment, client, sign-in (password, ticket), sign-up, session
//!   tokens, sign-out; and a sign-in page that runs clerk-js;
//! - Svix-signed `user.*` webhooks with retries and a delivery log;
//! - a JSON control API under `/_emulator/` for tests.
//!
//! It must never run in production: see [`guard::check`]. The README lists every endpoint.

// The core: the state, private to it, and the methods that change it.
mod core;
// The HTTP modules: each calls the core's methods, never another HTTP module; `routes`
// assembles them.
mod backend_api;
mod control_api;
mod frontend_api;
mod npm;
mod routes;
mod sign_in;
// Shared leaves: configuration, errors, HTTP helpers, ids, the production guard, the CLI.
pub mod cli;
mod config;
mod error;
pub mod guard;
mod http;
mod ids;

pub use crate::core::Emulator;
pub use crate::core::cookie_suffix;
pub use crate::core::tokens::{SESSION_TOKEN_CATEGORY, TEMPLATE_TOKEN_CATEGORY, TokenOptions};
pub use config::{
    EmulatorConfig, WebhookTarget, default_clerk_js_dir, random_secret_key, random_webhook_secret,
};
pub use error::EmulatorError;

impl Emulator {
    /// The emulator's routes, relative to the base URL's path: mount it with
    /// `.nest("/__clerk", emulator.router())`, or serve it at the root.
    ///
    /// The one method not in the core: it assembles the HTTP modules, which sit above it.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }
}

/// Ids of the users seeded on first start, stable across runs and machines, and [`SEEDS`]
/// with their emails, names and passwords.
pub mod seeds {
    pub use crate::core::store::{SEEDS, Seed};

    /// Ada Lovelace, ada@example.com.
    pub const ADA_LOVELACE: &str = crate::core::store::SEEDS[0].id;
    /// Grace Hopper, grace@example.com.
    pub const GRACE_HOPPER: &str = crate::core::store::SEEDS[1].id;
    /// Alan Turing, alan@example.com.
    pub const ALAN_TURING: &str = crate::core::store::SEEDS[2].id;
}

/// Real time in milliseconds since the epoch (the clock offset applies to tokens only).
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
