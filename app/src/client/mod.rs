//! The browser's way to the server: session tokens, the one retry policy, and the two clients
//! built on it, [`ApiClient`] for the REST API and [`AuthedClient`] for server functions.
//!
//! [`ClerkProvider`](crate::clerk::ClerkProvider) installs the page's policy (Clerk's tokens,
//! and "signed out" wired to the Clerk context); both clients pick it up at call time. The
//! policy itself is plain Rust over [`Transport`] and is tested natively.

mod challenge;
#[cfg(feature = "hydrate")]
mod fetch;
mod policy;
mod rest;
mod server_fn;
#[cfg(test)]
mod server_fn_lint;
mod token;
mod wire;

use std::cell::RefCell;

pub use challenge::is_token_refusal;
pub use policy::{AuthPolicy, PolicyAnswer, Refusal, Transport};
pub use rest::{ApiClient, decode_answer};
pub use server_fn::{AuthedClient, AuthedRequest, NoFormData};
pub use token::{NoTokens, TokenError, TokenProvider};
pub use wire::{Body, BufferedResponse, PreparedRequest, TransportError};

thread_local! {
    // Server functions are sent from a static `Client::send`, with no context to look in; the
    // browser has one thread, so a thread-local is the page's single policy.
    static INSTALLED: RefCell<Option<AuthPolicy>> = const { RefCell::new(None) };
}

/// Makes `policy` the one every request from this page goes through.
pub fn install_policy(policy: AuthPolicy) {
    INSTALLED.with(|slot| *slot.borrow_mut() = Some(policy));
}

/// The installed policy; before one is installed, requests go without a token (the cookie
/// still rides along) and nothing is refreshed.
pub fn policy() -> AuthPolicy {
    INSTALLED
        .with(|slot| slot.borrow().clone())
        .unwrap_or_else(AuthPolicy::anonymous)
}
