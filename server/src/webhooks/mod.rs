//! Clerk webhooks: `POST /api/webhooks/clerk`, Svix-verified, idempotent by `svix-id`, ordered
//! by Clerk's `updated_at`, and broadcast to every instance's cache through LISTEN/NOTIFY.

pub mod event;
pub mod handler;
pub mod notify;
pub mod purge;

pub use handler::clerk_webhook;
