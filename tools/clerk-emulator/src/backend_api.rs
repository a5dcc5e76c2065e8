//! The Backend API calls a server makes: `GET /v1/jwks` and `GET /v1/users/{id}`, behind the
//! secret key, with a failure switch and per-endpoint call counters.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Emulator;
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::store::{SessionStatus, SignInToken};
use crate::sync::lock;

pub const JWKS_ENDPOINT: &str = "GET /v1/jwks";
pub const USER_ENDPOINT: &str = "GET /v1/users/{id}";
pub const WELL_KNOWN_JWKS_ENDPOINT: &str = "GET /.well-known/jwks.json";
pub const REVOKE_SESSION_ENDPOINT: &str = "POST /v1/sessions/{id}/revoke";
pub const SIGN_IN_TOKEN_ENDPOINT: &str = "POST /v1/sign_in_tokens";
pub const REVOKE_SIGN_IN_TOKEN_ENDPOINT: &str = "POST /v1/sign_in_tokens/{id}/revoke";
/// Clerk's default lifetime of a sign-in token: thirty days.
const DEFAULT_SIGN_IN_TOKEN_SECS: u64 = 30 * 24 * 3600;

/// Makes Backend API calls fail, to test how a server copes with Clerk's rate limit and
/// outages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Failure {
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
    pub fn validate(&self) -> Result<(), ApiError> {
        if !matches!(self.status, 429 | 500 | 502 | 503 | 504) {
            return Err(ApiError::unprocessable(
                "status must be 429, 500, 502, 503 or 504",
            ));
        }
        if self.count == Some(0) {
            return Err(ApiError::unprocessable(
                "count must be at least 1 (leave it out to fail until switched off)",
            ));
        }
        Ok(())
    }

    fn answer(&self) -> ApiError {
        match self.status {
            429 => {
                let mut error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "Too Many Requests",
                    "Too many requests, retry later (the emulator's failure switch is on)",
                );
                error.retry_after = Some(self.retry_after_secs);
                error
            }
            status => ApiError::new(
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
    fn gate(&self, headers: &HeaderMap, endpoint: &'static str) -> Result<(), ApiError> {
        self.count_call(endpoint);
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if presented != Some(self.secret_key()) {
            return Err(ApiError::new(
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

pub async fn jwks(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    emulator.gate(&headers, JWKS_ENDPOINT)?;
    Ok(Json(emulator.inner.keys.jwks()))
}

pub async fn user(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    emulator.gate(&headers, USER_ENDPOINT)?;
    let base = emulator.base().to_owned();
    emulator
        .read_state(|data| data.user(&id).map(|u| u.clerk_json(&base)))
        .map(Json)
        .map_err(|_| ApiError::not_found(format!("user {id}")))
}

/// `POST /v1/sessions/{id}/revoke`: the session ends at once; the browser holding it is
/// signed out on its next token request.
pub async fn revoke_session(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    emulator.gate(&headers, REVOKE_SESSION_ENDPOINT)?;
    emulator
        .mutate::<_, ApiError>(|data, now| {
            let session = data.set_session_status(&id, SessionStatus::Revoked, now)?;
            Ok((session.json(), Vec::new()))
        })
        .await
        .map(Json)
}

#[derive(Debug, Deserialize)]
pub struct NewSignInToken {
    user_id: String,
    expires_in_seconds: Option<u64>,
}

/// `POST /v1/sign_in_tokens`: a single-use token for the Frontend API's `ticket` strategy.
pub async fn create_sign_in_token(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewSignInToken>,
) -> Result<Json<Value>, ApiError> {
    emulator.gate(&headers, SIGN_IN_TOKEN_ENDPOINT)?;
    let lifetime = body
        .expires_in_seconds
        .unwrap_or(DEFAULT_SIGN_IN_TOKEN_SECS);
    if lifetime == 0 || lifetime > DEFAULT_SIGN_IN_TOKEN_SECS {
        return Err(ApiError::form(
            "form_param_value_invalid",
            "expires_in_seconds",
            "is invalid",
            "expires_in_seconds must be between 1 and 2592000",
        ));
    }
    let base = emulator.base().to_owned();
    emulator
        .mutate::<_, ApiError>(|data, now| {
            let token = data
                .create_sign_in_token(&body.user_id, lifetime, now)
                .map_err(|_| ApiError::not_found(format!("user {}", body.user_id)))?;
            Ok((sign_in_token_json(&token, &base), Vec::new()))
        })
        .await
        .map(Json)
}

pub async fn revoke_sign_in_token(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    emulator.gate(&headers, REVOKE_SIGN_IN_TOKEN_ENDPOINT)?;
    let base = emulator.base().to_owned();
    emulator
        .mutate::<_, ApiError>(|data, now| {
            let token = data.revoke_sign_in_token(&id, now)?;
            Ok((sign_in_token_json(&token, &base), Vec::new()))
        })
        .await
        .map(Json)
}

fn sign_in_token_json(token: &SignInToken, base: &str) -> Value {
    json!({
        "object": "sign_in_token",
        "id": token.id,
        "user_id": token.user_id,
        "token": token.token,
        "status": token.status.as_str(),
        "url": format!("{base}/sign-in#/?__clerk_ticket={}", token.token),
        "created_at": token.created_at,
        "updated_at": token.updated_at,
    })
}
