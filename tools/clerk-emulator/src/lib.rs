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

mod backend_api;
mod clerk_js;
pub mod cli;
mod config;
mod control_api;
mod emulator;
mod error;
mod frontend_api;
pub mod guard;
mod http;
mod ids;
mod keys;
mod password;
mod routes;
mod sign_in;
mod sign_in_token;
mod state_file;
mod store;
mod sync;
mod tokens;
mod webhooks;

pub use config::{
    EmulatorConfig, WebhookTarget, default_clerk_js_dir, random_secret_key, random_webhook_secret,
};
pub use emulator::Emulator;
pub use emulator::cookie_suffix;
pub use error::EmulatorError;
pub use tokens::{SESSION_TOKEN_CATEGORY, TEMPLATE_TOKEN_CATEGORY, TokenOptions};

/// Ids of the users seeded on first start, stable across runs and machines, and [`SEEDS`]
/// with their emails, names and passwords.
pub mod seeds {
    pub use crate::store::{SEEDS, Seed};

    /// Ada Lovelace, ada@example.com.
    pub const ADA_LOVELACE: &str = crate::store::SEEDS[0].id;
    /// Grace Hopper, grace@example.com.
    pub const GRACE_HOPPER: &str = crate::store::SEEDS[1].id;
    /// Alan Turing, alan@example.com.
    pub const ALAN_TURING: &str = crate::store::SEEDS[2].id;
}

/// Real time in milliseconds since the epoch (the clock offset applies to tokens only).
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
