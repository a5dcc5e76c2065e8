//! The error envelope on the wire, `{"error": {"code", "reason"?, "message", "fields"?,
//! "retry_after_secs"?}}`, both ways: how an [`ApiError`] is written (and, on the server,
//! answered) and how an answer is read back into one.

use std::collections::BTreeMap;

use populatte::project::FieldErrors;
use serde::{Deserialize, Serialize};

use super::ApiError;

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
    pub fields: FieldErrors,
    /// For rate limits: when to try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    /// Decodes an error answer. A body that is not our envelope still gives an error of the
    /// right kind, judged by the status.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(envelope) => envelope.into(),
            Err(_) => Self::from_status(status),
        }
    }

    /// Like [`ApiError::from_response`], with the answer's `Retry-After` header (seconds) as
    /// the wait when the body names none.
    pub fn from_answer(status: u16, body: &[u8], retry_after: Option<&str>) -> Self {
        let mut error = Self::from_response(status, body);
        if let Self::RateLimited {
            retry_after_secs, ..
        }
        | Self::Unavailable {
            retry_after_secs, ..
        } = &mut error
            && retry_after_secs.is_none()
        {
            *retry_after_secs = retry_after.and_then(|value| value.trim().parse().ok());
        }
        error
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
            }
            | ApiError::Unavailable {
                message,
                retry_after_secs,
            } => (None, message, FieldErrors::new(), retry_after_secs),
            ApiError::BadRequest { message }
            | ApiError::NotFound { message }
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
            "unavailable" => Self::Unavailable {
                message,
                retry_after_secs,
            },
            "network_error" => Self::Network { message },
            "decode_error" => Self::Decode { message },
            _ => Self::Server { message },
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::{
        Json,
        http::{HeaderValue, StatusCode, header},
        response::{IntoResponse, Response},
    };

    use super::{ApiError, ErrorEnvelope};

    impl IntoResponse for ApiError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after = self.retry_after_secs();
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
