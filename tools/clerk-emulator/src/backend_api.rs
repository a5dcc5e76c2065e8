//! The Backend API, behind the secret key, with a failure switch and per-endpoint call
//! counters: `GET /v1/jwks`, and the users, sessions and sign-in tokens that Clerk's Node
//! SDK (`@clerk/backend`) manages. The switch and the counters are the core's
//! ([`crate::core::faults`]); this module only reads the request.

mod query;
pub(crate) mod sessions;
pub(crate) mod users;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use crate::Emulator;
use crate::error::ClerkApiError;

pub(crate) const JWKS_ENDPOINT: &str = "GET /v1/jwks";
pub(crate) const USER_ENDPOINT: &str = "GET /v1/users/{id}";

/// Counts the call, then checks the secret key, then applies the failure switch, in the
/// order Clerk would see them.
pub(crate) fn gate(
    emulator: &Emulator,
    headers: &HeaderMap,
    endpoint: &'static str,
) -> Result<(), ClerkApiError> {
    emulator.count_call(endpoint);
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented != Some(emulator.secret_key()) {
        return Err(ClerkApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "Invalid authentication",
            "Unable to authenticate the request, you need to supply an active API key \
             (Authorization: Bearer <CLERK_SECRET_KEY>)",
        ));
    }
    match emulator.take_backend_failure() {
        Some(answer) => Err(answer),
        None => Ok(()),
    }
}

pub(crate) async fn jwks(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, JWKS_ENDPOINT)?;
    Ok(Json(emulator.jwks()))
}
