//! Clerk webhooks: `POST /api/webhooks/clerk`, Svix-verified, idempotent by `svix-id`, ordered
//! by Clerk's `updated_at`, and broadcast to every instance's cache through LISTEN/NOTIFY.

pub(crate) mod event;
pub(crate) mod handler;
pub mod notify;
pub mod purge;
pub(crate) mod signature;

pub(crate) use handler::clerk_webhook;
