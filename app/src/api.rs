//! Types shared by the server's JSON API and the browser's client: the wire shapes of answers
//! and errors, and the typed [`ApiError`] both sides match on.

mod error;
mod user;

pub use error::{ApiError, ErrorBody, ErrorEnvelope, reason};
pub use user::UserProfile;
