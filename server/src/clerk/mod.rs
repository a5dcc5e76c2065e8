//! Clerk's wire formats and its Backend API: what the server reads from Clerk.

pub mod backend;
pub(crate) mod cookie;
#[cfg(feature = "emulator")]
mod emulated;
pub(crate) mod proxy;
pub mod setup;
pub(crate) mod user;
