//! Clerk's wire formats and its Backend API: what the server reads from Clerk.

pub mod backend;
pub mod setup;
pub(crate) mod user;
