//! The library's error type and the JSON error answers of its HTTP endpoints.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why an emulator could not start or could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("{0}")]
    Refused(#[from] crate::guard::GuardError),
    #[error("signing key: {0}")]
    Key(String),
    #[error("state file {path}: {message}")]
    State { path: String, message: String },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("user {0} not found (unknown or deleted)")]
    UserNotFound(String),
    #[error("session {0} not found")]
    SessionNotFound(String),
    #[error("session {id} is {status}, not active")]
    SessionInactive { id: String, status: String },
    #[error("session {session} belongs to another user than {user}")]
    SessionUserMismatch { session: String, user: String },
    #[error("signing the token failed: {0}")]
    Sign(String),
    #[error("a background task failed: {0}")]
    Task(String),
}

/// An answer in Clerk's error shape, `{"errors":[{"message","long_message","code","meta"}]}`,
/// used by every endpoint so that one client-side parser handles them all.
#[derive(Debug)]
pub(crate) struct ClerkApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub long_message: String,
    /// `meta.param_name`: the request field at fault, as Clerk names it.
    pub param_name: Option<String>,
    pub retry_after: Option<u64>,
}

impl ClerkApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        long_message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            long_message: long_message.into(),
            param_name: None,
            retry_after: None,
        }
    }

    /// Clerk's 422 for one form field, e.g. `form_password_incorrect` on `password`.
    pub(crate) fn form(
        code: &'static str,
        param_name: &'static str,
        message: impl Into<String>,
        long_message: impl Into<String>,
    ) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message,
            long_message,
        )
        .with_param(param_name)
    }

    pub(crate) fn with_param(mut self, param_name: impl Into<String>) -> Self {
        self.param_name = Some(param_name.into());
        self
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        let what = what.into();
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("{what} was not found"),
        )
    }

    pub(crate) fn bad_request(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "form_param_invalid",
            "is invalid",
            long_message,
        )
    }

    pub(crate) fn unprocessable(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_invalid",
            "is invalid",
            long_message,
        )
    }

    pub(crate) fn conflict(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "resource_conflict",
            "conflict",
            long_message,
        )
    }

    pub(crate) fn internal(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_clerk_error",
            "internal error",
            long_message,
        )
    }
}

impl From<EmulatorError> for ClerkApiError {
    fn from(error: EmulatorError) -> Self {
        match &error {
            EmulatorError::UserNotFound(id) => ClerkApiError::not_found(format!("user {id}")),
            EmulatorError::SessionNotFound(id) => ClerkApiError::not_found(format!("session {id}")),
            EmulatorError::SessionInactive { .. } => ClerkApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_inactive",
                "session is not active",
                error.to_string(),
            ),
            EmulatorError::SessionUserMismatch { .. } => {
                ClerkApiError::unprocessable(error.to_string())
            }
            EmulatorError::Config(_) => ClerkApiError::unprocessable(error.to_string()),
            EmulatorError::Key(_)
            | EmulatorError::Refused(_)
            | EmulatorError::State { .. }
            | EmulatorError::Sign(_)
            | EmulatorError::Task(_) => {
                tracing::error!(%error, "clerk emulator request failed");
                ClerkApiError::internal(error.to_string())
            }
        }
    }
}

impl IntoResponse for ClerkApiError {
    fn into_response(self) -> Response {
        let meta = match &self.param_name {
            Some(name) => json!({ "param_name": name }),
            None => json!({}),
        };
        let body = json!({
            "errors": [{
                "message": self.message,
                "long_message": self.long_message,
                "code": self.code,
                "meta": meta,
            }]
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
