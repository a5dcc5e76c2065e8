//! Types shared by the server's JSON API and the browser's client: the wire shapes of answers
//! and errors, and the typed [`ApiError`] both sides match on.

mod error;
mod project;
mod user;

pub use error::{
    ApiError, ErrorBody, ErrorEnvelope, SERVER_FN_PREFIX, reason, refusal_needs_attention,
};
pub use project::{CreateProjectRequest, EditProjectRequest, ProjectDto, ProjectPageDto};
pub use user::UserProfile;

/// Timestamps on the wire: RFC 3339, as JavaScript's `Date` and `<time datetime>` read them.
pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
