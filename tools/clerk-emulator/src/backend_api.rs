//! The Backend API, behind the secret key, with a failure switch and per-endpoint call
//! counters: `GET /v1/jwks`, and the users, sessions and sign-in tokens that Clerk's Node
//! SDK (`@clerk/backend`) manages.

mod query;
pub(crate) mod sessions;
pub(crate) mod users;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Emulator;
use crate::error::ClerkApiError;
use crate::sync::lock;

pub(crate) const JWKS_ENDPOINT: &str = "GET /v1/jwks";
pub(crate) const USER_ENDPOINT: &str = "GET /v1/users/{id}";
pub(crate) const WELL_KNOWN_JWKS_ENDPOINT: &str = "GET /.well-known/jwks.json";

/// Makes Backend API calls fail, to test how a server copes with Clerk's rate limit and
/// outages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Failure {
    /// 429, 500, 502, 503 or 504.
    pub status: u16,
    /// The `Retry-After` of 429 answers, in seconds.
    #[serde(default = "one")]
    pub retry_after_secs: u64,
    /// Fail this many calls, then answer normally again; absent: until switched off.
    #[serde(default)]
    pub count: Option<u32>,
}

fn one() -> u64 {
    1
}

impl Failure {
    pub(crate) fn validate(&self) -> Result<(), ClerkApiError> {
        if !matches!(self.status, 429 | 500 | 502 | 503 | 504) {
            return Err(ClerkApiError::unprocessable(
                "status must be 429, 500, 502, 503 or 504",
            ));
        }
        if self.count == Some(0) {
            return Err(ClerkApiError::unprocessable(
                "count must be at least 1 (leave it out to fail until switched off)",
            ));
        }
        Ok(())
    }

    fn answer(&self) -> ClerkApiError {
        match self.status {
            429 => {
                let mut error = ClerkApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "Too Many Requests",
                    "Too many requests, retry later (the emulator's failure switch is on)",
                );
                error.retry_after = Some(self.retry_after_secs);
                error
            }
            status => ClerkApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "internal_clerk_error",
                "There was an internal error on our servers",
                "The emulator's failure switch is on",
            ),
        }
    }
}

impl Emulator {
    pub(crate) fn count_call(&self, endpoint: &'static str) {
        *lock(&self.inner.calls).entry(endpoint).or_insert(0) += 1;
    }

    /// Counts the call, then checks the secret key, then applies the failure switch, in the
    /// order Clerk would see them.
    pub(crate) fn gate(
        &self,
        headers: &HeaderMap,
        endpoint: &'static str,
    ) -> Result<(), ClerkApiError> {
        self.count_call(endpoint);
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if presented != Some(self.secret_key()) {
            return Err(ClerkApiError::new(
                StatusCode::UNAUTHORIZED,
                "authentication_invalid",
                "Invalid authentication",
                "Unable to authenticate the request, you need to supply an active API key \
                 (Authorization: Bearer <CLERK_SECRET_KEY>)",
            ));
        }
        let mut failure = lock(&self.inner.failure);
        let Some(active) = failure.as_mut() else {
            return Ok(());
        };
        let answer = active.answer();
        if let Some(count) = active.count.as_mut() {
            *count = count.saturating_sub(1);
            if *count == 0 {
                *failure = None;
            }
        }
        Err(answer)
    }
}

pub(crate) async fn jwks(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    emulator.gate(&headers, JWKS_ENDPOINT)?;
    Ok(Json(emulator.inner.keys.jwks()))
}
