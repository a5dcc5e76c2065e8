//! Authentication: from the Clerk session token on a request to the local `CurrentUser`.
//!
//! `token` finds the token, `verify` checks it against `keys`, `service` turns it into the
//! local user (through `cache` and the core's `SyncUser`), and `layer` is the axum middleware
//! that wires it into every request.

pub mod cache;
pub(crate) mod failure;
pub mod handshake;
pub mod keys;
pub mod layer;
pub(crate) mod service;
pub mod sessions;
pub mod token;
pub mod verify;

pub use failure::{AuthFailure, Rejection};
pub use layer::AuthLayerState;
pub use service::Authenticator;
