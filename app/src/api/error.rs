//! One error shape for every API answer, and the typed enum both sides match on.
//!
//! On the wire: `{"error": {"code": "unauthorized", "reason": "token-expired", "message": "…"}}`
//! (plus `fields` for validation and `retry_after_secs` for rate limits). REST handlers and
//! server functions both answer with it; the browser decodes it back into [`ApiError`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    pub const JWK_REMOTE_FAILED_TO_LOAD: &str = "jwk-remote-failed-to-load";
    /// Ours: the user was deleted in Clerk; the local row is a tombstone.
    pub const USER_DELETED: &str = "user-deleted";
    /// Ours: the token has no profile claims and there is no way to look them up.
    pub const CLAIMS_MISSING: &str = "claims-missing";
    /// Ours: no session token at all.
    pub const SIGNED_OUT: &str = "signed-out";
    /// Ours: a cookie-authenticated request that changes state came from another origin.
    pub const CSRF_ORIGIN_MISMATCH: &str = "origin-not-allowed";
}

/// Every error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The kind of error (`unauthorized`, `not_found`, `validation_failed`, …).
    pub code: String,
    /// A machine-readable detail, e.g. Clerk's `token-expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A sentence for people; never internal detail.
    pub message: String,
    /// Messages by field name, for validation errors and conflicts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Vec<String>>,
    /// For rate limits: when to try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

/// Field name → messages.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

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
    /// 403.
    #[error("{message}")]
    Forbidden {
        reason: Option<String>,
        message: String,
    },
    /// 404.
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
    /// 429.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// 503: a dependency (the database, Clerk) is down; trying later may work.
    #[error("{message}")]
    Unavailable { message: String },
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

impl ApiError {
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
            | Self::Unavailable { message }
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

    /// Decodes an error answer. A body that is not our envelope still gives an error of the
    /// right kind, judged by the status.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(envelope) => envelope.into(),
            Err(_) => Self::from_status(status),
        }
    }

    /// An error for a status with no usable body.
    pub fn from_status(status: u16) -> Self {
        let message = |m: &str| m.to_owned();
        match status {
            400 | 413 => Self::bad_request("The request was not accepted."),
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
            503 => Self::unavailable("The service is unavailable; try again shortly."),
            _ => Self::Server {
                message: format!("The server answered with status {status}."),
            },
        }
    }
}

impl From<ApiError> for ErrorEnvelope {
    fn from(error: ApiError) -> Self {
        let code = error.code().to_owned();
        let (reason, message, fields, retry_after_secs) = match error {
            ApiError::Unauthorized { reason, message }
            | ApiError::Forbidden { reason, message } => {
                (reason, message, FieldErrors::new(), None)
            }
            ApiError::Conflict { message, fields } | ApiError::Validation { message, fields } => {
                (None, message, fields, None)
            }
            ApiError::RateLimited {
                message,
                retry_after_secs,
            } => (None, message, FieldErrors::new(), retry_after_secs),
            ApiError::BadRequest { message }
            | ApiError::NotFound { message }
            | ApiError::Unavailable { message }
            | ApiError::Server { message }
            | ApiError::Network { message }
            | ApiError::Decode { message } => (None, message, FieldErrors::new(), None),
        };
        ErrorEnvelope {
            error: ErrorBody {
                code,
                reason,
                message,
                fields,
                retry_after_secs,
            },
        }
    }
}

impl From<ErrorEnvelope> for ApiError {
    fn from(ErrorEnvelope { error }: ErrorEnvelope) -> Self {
        let ErrorBody {
            code,
            reason,
            message,
            fields,
            retry_after_secs,
        } = error;
        match code.as_str() {
            "bad_request" => Self::BadRequest { message },
            "unauthorized" => Self::Unauthorized { reason, message },
            "forbidden" => Self::Forbidden { reason, message },
            "not_found" => Self::NotFound { message },
            "conflict" => Self::Conflict { message, fields },
            "validation_failed" => Self::Validation { message, fields },
            "rate_limited" => Self::RateLimited {
                message,
                retry_after_secs,
            },
            "unavailable" => Self::Unavailable { message },
            "network_error" => Self::Network { message },
            "decode_error" => Self::Decode { message },
            _ => Self::Server { message },
        }
    }
}

/// Server functions return `Result<T, ApiError>`: the same JSON envelope as REST.
impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        // On the server, while a call is being answered, a failure is about that call's
        // request (its arguments did not decode, say), and the status must say so too, not
        // server_fn's blanket 500. Everywhere else it is the browser's view of an answer.
        #[cfg(feature = "ssr")]
        if ssr::in_server_fn_call() {
            return Self::from_failed_call(value).for_server_fn_call();
        }
        Self::from_server_fn_failure(value)
    }
}

impl ApiError {
    /// The server's view: the request of the call being answered was at fault, or we were.
    #[cfg(feature = "ssr")]
    fn from_failed_call(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // These describe the caller's own arguments, which reveals nothing of ours.
            E::Args(detail) | E::Deserialization(detail) => {
                Self::bad_request(format!("The arguments could not be read: {detail}"))
            }
            E::MissingArg(name) => Self::bad_request(format!("The argument {name} is missing.")),
            E::UnsupportedRequestMethod(method) => {
                Self::bad_request(format!("{method} is not how this function is called."))
            }
            E::Serialization(_)
            | E::Request(_)
            | E::Registration(_)
            | E::ServerError(_)
            | E::MiddlewareError(_)
            | E::Response(_) => Self::internal(),
        }
    }

    /// The browser's view: sending the request or reading the answer failed.
    fn from_server_fn_failure(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(detail) => Self::Network {
                message: format!("Could not reach the server: {detail}"),
            },
            E::Deserialization(detail) => Self::Decode {
                message: format!("The server's answer could not be read: {detail}"),
            },
            E::Serialization(_) | E::Args(_) | E::MissingArg(_) => {
                Self::bad_request("The request could not be encoded or was incomplete.")
            }
            E::Registration(_)
            | E::UnsupportedRequestMethod(_)
            | E::ServerError(_)
            | E::MiddlewareError(_)
            | E::Response(_) => Self::internal(),
        }
    }
}

/// Where every server function lives: its `endpoint` starts with `fn/`, under server_fn's
/// `/api` prefix. Keeping them apart from the REST paths means no server function can shadow
/// a REST route (`POST /api/me` stays a 405), and tells a server-function call from a page.
pub const SERVER_FN_PREFIX: &str = "/api/fn/";

#[cfg(feature = "ssr")]
mod ssr {
    use axum::{
        Json,
        http::{HeaderValue, StatusCode, header},
        response::{IntoResponse, Response},
    };

    use super::{ApiError, ErrorEnvelope, SERVER_FN_PREFIX};

    /// Whether the request being handled is a call of one of our server functions, as
    /// opposed to a page rendering on the server (which calls them directly) or no request.
    pub(super) fn in_server_fn_call() -> bool {
        leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
            parts.uri.path().starts_with(SERVER_FN_PREFIX)
        })
        .unwrap_or(false)
    }

    impl ApiError {
        /// Gives the answer of the server-function call being handled this error's status,
        /// so that the wire matches REST (server_fn answers every error with 500). Outside a
        /// server-function call (a page rendering on the server calls them directly) the
        /// page's status is the page's business and stays untouched.
        pub fn for_server_fn_call(self) -> Self {
            if in_server_fn_call()
                && let Some(response) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                && let Ok(status) = StatusCode::from_u16(self.status())
            {
                response.set_status(status);
            }
            self
        }
    }

    impl IntoResponse for ApiError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after = match &self {
                ApiError::RateLimited {
                    retry_after_secs: Some(secs),
                    ..
                } => Some(*secs),
                _ => None,
            };
            let mut response = (status, Json(ErrorEnvelope::from(self))).into_response();
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
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
            ApiError::from_response(502, b""),
            ApiError::Server { .. }
        ));
        assert!(matches!(
            ApiError::from_response(404, b"{}"),
            ApiError::NotFound { .. }
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
