//! One error shape for every API answer, and the typed enum both sides match on.
//!
//! On the wire: `{"error": {"code": "unauthorized", "reason": "token-expired", "message": "…"}}`
//! (plus `fields` for validation and `retry_after_secs` for rate limits). REST handlers and
//! server functions both answer with it; the browser decodes it back into [`ApiError`].

use std::collections::BTreeMap;

use populatte::{RepositoryError, project::FieldErrors};
use serde::{Deserialize, Serialize};

mod server_fn;
mod wire;

pub use server_fn::SERVER_FN_PREFIX;
pub use wire::{ErrorBody, ErrorEnvelope};

/// Machine-readable reasons of a 401: Clerk's own names where Clerk has one, ours otherwise.
pub mod reason {
    pub const TOKEN_EXPIRED: &str = "token-expired";
    pub const TOKEN_NOT_ACTIVE_YET: &str = "token-not-active-yet";
    pub const TOKEN_IAT_IN_THE_FUTURE: &str = "token-iat-in-the-future";
    pub const TOKEN_INVALID_SIGNATURE: &str = "token-invalid-signature";
    pub const TOKEN_INVALID_ALGORITHM: &str = "token-invalid-algorithm";
    pub const TOKEN_INVALID_AUTHORIZED_PARTIES: &str = "token-invalid-authorized-parties";
    pub const TOKEN_INVALID_ISSUER: &str = "token-invalid-issuer";
    pub const TOKEN_INVALID: &str = "token-invalid";
    pub const TOKEN_VERIFICATION_FAILED: &str = "token-verification-failed";
    pub const TOKEN_TYPE_MISMATCH: &str = "token-type-mismatch";
    pub const SESSION_PENDING: &str = "session-pending";
    pub const JWK_KID_MISMATCH: &str = "jwk-kid-mismatch";
    /// Ours: the user was deleted in Clerk; the local row is a tombstone.
    pub const USER_DELETED: &str = "user-deleted";
    /// Ours: the token has no profile claims and there is no way to look them up.
    pub const CLAIMS_MISSING: &str = "claims-missing";
    /// Ours: no session token at all.
    pub const SIGNED_OUT: &str = "signed-out";
    /// Ours: a cookie-authenticated request that changes state came from another origin.
    pub const CSRF_ORIGIN_MISMATCH: &str = "origin-not-allowed";
}

/// What went wrong, as both the server and the browser see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "ErrorEnvelope", from = "ErrorEnvelope")]
pub enum ApiError {
    /// 400: the request itself is malformed.
    #[error("{message}")]
    BadRequest { message: String },
    /// 401, with Clerk's reason name when a token was refused.
    #[error("{message}")]
    Unauthorized {
        reason: Option<String>,
        message: String,
    },
    /// 403: the caller is known but may not do this (a cross-origin cookie write).
    #[error("{message}")]
    Forbidden {
        reason: Option<String>,
        message: String,
    },
    /// 404, also for another user's resource: nobody learns which ids exist.
    #[error("{message}")]
    NotFound { message: String },
    /// 409, e.g. a duplicate name.
    #[error("{message}")]
    Conflict {
        message: String,
        fields: FieldErrors,
    },
    /// 422, with messages beside the fields.
    #[error("{message}")]
    Validation {
        message: String,
        fields: FieldErrors,
    },
    /// 429, with how long to wait when the server knows it.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// 503 (and the browser's own "no fresh token could be had"): a dependency (the
    /// database, Clerk) is down or slow; trying later may work, and nobody is signed out.
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// 500 and other server failures.
    #[error("{message}")]
    Server { message: String },
    /// The browser could not reach the server.
    #[error("{message}")]
    Network { message: String },
    /// The answer could not be understood.
    #[error("{message}")]
    Decode { message: String },
}

/// The one answer to a failed store (the database): 503 when it cannot be reached, 500 when it
/// failed. Its detail is logged here, on the server, and never sent.
impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Unavailable(_detail) => {
                #[cfg(feature = "ssr")]
                tracing::warn!(detail = %_detail, "the database is unavailable");
                Self::unavailable(Self::STORE_UNAVAILABLE)
            }
            RepositoryError::Failed(_detail) => {
                #[cfg(feature = "ssr")]
                tracing::error!(detail = %_detail, "the database failed");
                Self::internal()
            }
        }
    }
}

impl ApiError {
    /// The message of every 503 caused by the database.
    pub const STORE_UNAVAILABLE: &str = "The service is unavailable; try again shortly.";

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
        }
    }

    pub fn unauthorized(reason: &str, message: impl Into<String>) -> Self {
        Self::Unauthorized {
            reason: Some(reason.to_owned()),
            message: message.into(),
        }
    }

    /// No session token at all.
    pub fn signed_out() -> Self {
        Self::unauthorized(reason::SIGNED_OUT, "Sign in to continue.")
    }

    pub fn forbidden(reason: &str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            reason: Some(reason.to_owned()),
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::NotFound {
            message: "There is no such resource.".into(),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// A failure whose detail belongs in the log, not in the answer.
    pub fn internal() -> Self {
        Self::Server {
            message: "Something went wrong on our side. Please try again.".into(),
        }
    }

    pub fn validation(fields: FieldErrors) -> Self {
        Self::Validation {
            message: "Some fields need attention.".into(),
            fields,
        }
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Conflict {
            fields: BTreeMap::from([(field.to_owned(), vec![message.clone()])]),
            message,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Unauthorized { .. } => 401,
            Self::Forbidden { .. } => 403,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } => 409,
            Self::Validation { .. } => 422,
            Self::RateLimited { .. } => 429,
            Self::Unavailable { .. } => 503,
            Self::Server { .. } => 500,
            // Never sent by the server; a status is still needed if one is ever encoded.
            Self::Network { .. } | Self::Decode { .. } => 502,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad_request",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::Validation { .. } => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Server { .. } => "internal",
            Self::Network { .. } => "network_error",
            Self::Decode { .. } => "decode_error",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::BadRequest { message }
            | Self::Unauthorized { message, .. }
            | Self::Forbidden { message, .. }
            | Self::NotFound { message }
            | Self::Conflict { message, .. }
            | Self::Validation { message, .. }
            | Self::RateLimited { message, .. }
            | Self::Unavailable { message, .. }
            | Self::Server { message }
            | Self::Network { message }
            | Self::Decode { message } => message,
        }
    }

    /// The 401 reason, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { reason, .. } | Self::Forbidden { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }

    /// Messages for one field (validation errors and conflicts).
    pub fn field(&self, name: &str) -> &[String] {
        match self {
            Self::Validation { fields, .. } | Self::Conflict { fields, .. } => {
                fields.get(name).map(Vec::as_slice).unwrap_or_default()
            }
            _ => &[],
        }
    }

    /// When to try again, if the server said.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited {
                retry_after_secs, ..
            }
            | Self::Unavailable {
                retry_after_secs, ..
            } => *retry_after_secs,
            _ => None,
        }
    }

    /// One sentence for the page, in words a person can act on. Refusals a person (or the
    /// site's owner) can do something about each get their own; the server's message stays
    /// for field-level problems, where it is written for people.
    pub fn user_message(&self) -> String {
        let later = |what: &str| match self.retry_after_secs() {
            Some(secs) => format!("{what} Try again in {secs} s."),
            None => format!("{what} Try again in a moment."),
        };
        match self {
            Self::Network { .. } => {
                "The server could not be reached. Check your connection and try again.".to_owned()
            }
            Self::Unauthorized { reason, .. } => refusal_message(reason.as_deref()).to_owned(),
            Self::Forbidden { reason, .. } if reason.as_deref() == Some(reason::CSRF_ORIGIN_MISMATCH) => {
                "This request came from a page this site does not trust. Reload the page and try again."
                    .to_owned()
            }
            Self::Forbidden { .. } => "You are not allowed to do that.".to_owned(),
            Self::NotFound { .. } => "That no longer exists.".to_owned(),
            Self::RateLimited { .. } => later("Too many requests."),
            Self::Unavailable { .. } => {
                later("The service is temporarily unavailable; you are still signed in.")
            }
            Self::Server { .. } => "Something went wrong on our side. Please try again shortly.".to_owned(),
            Self::Decode { .. } => "The server's answer could not be read. Please reload.".to_owned(),
            Self::BadRequest { message }
            | Self::Conflict { message, .. }
            | Self::Validation { message, .. } => message.clone(),
        }
    }

    /// An error for a status with no usable body.
    pub fn from_status(status: u16) -> Self {
        let message = |m: &str| m.to_owned();
        match status {
            400 => Self::bad_request("The request was not accepted."),
            413 => Self::bad_request("The request is too large."),
            408 => Self::unavailable("The server took too long to answer; try again."),
            401 => Self::Unauthorized {
                reason: None,
                message: message("Sign in to continue."),
            },
            403 => Self::Forbidden {
                reason: None,
                message: message("You are not allowed to do that."),
            },
            404 => Self::not_found(),
            409 => Self::Conflict {
                message: message("That conflicts with something that exists."),
                fields: FieldErrors::new(),
            },
            422 => Self::validation(FieldErrors::new()),
            429 => Self::RateLimited {
                message: message("Too many requests; try again shortly."),
                retry_after_secs: None,
            },
            // A proxy's "bad gateway" or "gateway timeout" is the service being away, too.
            502..=504 => Self::unavailable("The service is temporarily unavailable."),
            _ => Self::Server {
                message: format!("The server answered with status {status}."),
            },
        }
    }
}

/// The page's sentence for a refused session, by reason.
fn refusal_message(refusal: Option<&str>) -> &'static str {
    match refusal {
        Some(reason::CLAIMS_MISSING) => {
            "Your account could not be loaded: this site's Clerk session token lacks the profile \
             claims (email, name) it needs. The site's owner must add them in Clerk's dashboard."
        }
        Some(reason::TOKEN_INVALID_ISSUER) => {
            "Your session belongs to a different Clerk application than this site uses. Sign out \
             and sign in again here; if that keeps happening, the site's Clerk keys are mixed up."
        }
        Some(reason::TOKEN_INVALID_AUTHORIZED_PARTIES) => {
            "Your session was issued for another web address than this one. Reload the page; if \
             that keeps happening, the site's list of authorized origins needs this address."
        }
        Some(reason::USER_DELETED) => {
            "This account has been deleted. Sign out to sign in with another account."
        }
        Some(reason::SESSION_PENDING) => {
            "Your sign-in is not finished yet: Clerk needs one more step (such as choosing an \
             organization) before this site can let you in."
        }
        Some(reason::SIGNED_OUT) | None => "Sign in to continue.",
        Some(_) => "Your session has ended. Please sign in again.",
    }
}

/// The refusal reasons that signing in again does not cure: the page shows them instead of
/// signing the person out (which would only bring them back to the same refusal).
pub fn refusal_needs_attention(refusal: &str) -> bool {
    matches!(
        refusal,
        reason::CLAIMS_MISSING
            | reason::TOKEN_INVALID_ISSUER
            | reason::TOKEN_INVALID_AUTHORIZED_PARTIES
            | reason::USER_DELETED
            | reason::SESSION_PENDING
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_survives_the_wire() {
        let cases = [
            ApiError::bad_request("bad"),
            ApiError::unauthorized(reason::TOKEN_EXPIRED, "expired"),
            ApiError::forbidden(reason::CSRF_ORIGIN_MISMATCH, "no"),
            ApiError::not_found(),
            ApiError::conflict("name", "taken"),
            ApiError::validation(FieldErrors::from([(
                "name".into(),
                vec!["too long".into()],
            )])),
            ApiError::RateLimited {
                message: "slow down".into(),
                retry_after_secs: Some(3),
            },
            ApiError::unavailable("db down"),
            ApiError::internal(),
            ApiError::Network {
                message: "offline".into(),
            },
            ApiError::Decode {
                message: "garbled".into(),
            },
        ];
        for error in cases {
            let json = serde_json::to_vec(&error).unwrap();
            assert_eq!(ApiError::from_response(error.status(), &json), error);
        }
    }

    #[test]
    fn the_wire_shape_is_the_documented_envelope() {
        let json =
            serde_json::to_value(ApiError::unauthorized(reason::TOKEN_EXPIRED, "expired")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "unauthorized", "reason": "token-expired", "message": "expired"}})
        );
    }

    #[test]
    fn a_body_that_is_not_the_envelope_is_judged_by_status() {
        assert!(matches!(
            ApiError::from_response(401, b"<html>"),
            ApiError::Unauthorized { reason: None, .. }
        ));
        assert!(matches!(
            ApiError::from_response(500, b""),
            ApiError::Server { .. }
        ));
        assert!(matches!(
            ApiError::from_response(404, b"{}"),
            ApiError::NotFound { .. }
        ));
    }

    fn refused(why: &str) -> String {
        ApiError::unauthorized(why, "server text").user_message()
    }

    #[test]
    fn missing_claims_tell_that_the_site_must_add_profile_claims() {
        let text = refused(reason::CLAIMS_MISSING);
        assert!(text.contains("profile claims"), "{text}");
        assert!(!text.contains("sign in again"), "{text}");
    }

    #[test]
    fn another_instances_token_says_the_keys_are_mixed_up() {
        let text = refused(reason::TOKEN_INVALID_ISSUER);
        assert!(text.contains("different Clerk application"), "{text}");
    }

    #[test]
    fn an_unlisted_authorized_party_names_the_web_address() {
        let text = refused(reason::TOKEN_INVALID_AUTHORIZED_PARTIES);
        assert!(text.contains("another web address"), "{text}");
    }

    #[test]
    fn a_deleted_user_is_told_the_account_is_gone() {
        assert!(refused(reason::USER_DELETED).contains("account has been deleted"));
    }

    #[test]
    fn a_pending_session_says_a_step_is_missing() {
        assert!(refused(reason::SESSION_PENDING).contains("one more step"));
    }

    #[test]
    fn other_refusals_and_no_token_ask_to_sign_in() {
        assert_eq!(
            refused(reason::TOKEN_EXPIRED),
            "Your session has ended. Please sign in again."
        );
        assert_eq!(refused(reason::SIGNED_OUT), "Sign in to continue.");
        assert_eq!(
            ApiError::from_status(401).user_message(),
            "Sign in to continue."
        );
    }

    #[test]
    fn every_actionable_reason_has_its_own_message() {
        let actionable = [
            reason::CLAIMS_MISSING,
            reason::TOKEN_INVALID_ISSUER,
            reason::TOKEN_INVALID_AUTHORIZED_PARTIES,
            reason::USER_DELETED,
            reason::SESSION_PENDING,
        ];
        let messages: std::collections::BTreeSet<String> =
            actionable.iter().map(|why| refused(why)).collect();
        assert_eq!(messages.len(), actionable.len());
        assert!(actionable.iter().all(|why| refusal_needs_attention(why)));
        assert!(!refusal_needs_attention(reason::TOKEN_EXPIRED));
        assert!(!refusal_needs_attention(reason::TOKEN_INVALID_SIGNATURE));
    }

    #[test]
    fn unavailable_says_temporarily_and_that_the_session_is_kept() {
        let text = ApiError::unavailable("x").user_message();
        assert!(text.contains("temporarily unavailable"), "{text}");
        assert!(text.contains("still signed in"), "{text}");
    }

    #[test]
    fn a_retry_after_header_becomes_the_wait_and_the_page_names_it() {
        let error = ApiError::from_answer(503, b"<html>busy</html>", Some("7"));
        assert_eq!(error.retry_after_secs(), Some(7));
        assert!(error.user_message().contains("Try again in 7 s."));
        let limited = ApiError::from_answer(429, b"", Some(" 3 "));
        assert_eq!(limited.retry_after_secs(), Some(3));
        // The body's own value wins over the header.
        let body = serde_json::to_vec(&ApiError::RateLimited {
            message: "m".into(),
            retry_after_secs: Some(9),
        })
        .unwrap();
        assert_eq!(
            ApiError::from_answer(429, &body, Some("1")).retry_after_secs(),
            Some(9)
        );
        assert_eq!(
            ApiError::from_answer(503, b"", Some("soon")).retry_after_secs(),
            None
        );
    }

    #[test]
    fn non_json_proxy_answers_keep_the_kind_their_status_says() {
        assert!(matches!(
            ApiError::from_response(502, b"<html><h1>502 Bad Gateway</h1></html>"),
            ApiError::Unavailable { .. }
        ));
        assert!(matches!(
            ApiError::from_response(504, b"upstream timed out"),
            ApiError::Unavailable { .. }
        ));
        assert!(matches!(
            ApiError::from_response(408, b""),
            ApiError::Unavailable { .. }
        ));
        assert_eq!(
            ApiError::from_response(413, b"<html>Request Entity Too Large</html>"),
            ApiError::bad_request("The request is too large.")
        );
        assert!(matches!(
            ApiError::from_response(500, b"oops"),
            ApiError::Server { .. }
        ));
    }

    #[test]
    fn field_messages_are_reachable_by_name() {
        let error = ApiError::conflict("name", "You already have a project with this name.");
        assert_eq!(
            error.field("name"),
            ["You already have a project with this name."]
        );
        assert!(error.field("description").is_empty());
    }
}
