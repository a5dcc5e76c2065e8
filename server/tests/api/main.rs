//! Integration tests of the server against a real PostgreSQL (`DATABASE_URL`; `#[sqlx::test]`
//! gives each test its own database).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod binary;
mod clerk_mock;
mod delivery;
mod emulator;
mod handshake;
mod health;
mod helpers;
mod http_stack;
mod migrate;
mod pooler;
mod projects;
mod proxy;
mod redirects;
mod serving;
mod sync;
mod tokens;
mod webhooks;
