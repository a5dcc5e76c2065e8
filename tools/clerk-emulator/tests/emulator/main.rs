//! Integration tests: a real emulator on 127.0.0.1:0 spoken to over HTTP, with independent
//! verifiers (jsonwebtoken for tokens, svix for webhook signatures).

// Test helpers outside `#[test]` functions: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod backend_api;
mod backend_api_sessions;
mod backend_api_users;
mod binary;
mod fapi_flows;
mod fapi_sessions;
mod frontend_api;
mod handshake;
mod helpers;
mod node_sdk;
mod persistence;
mod sign_in;
mod tokens;
mod webhooks;
