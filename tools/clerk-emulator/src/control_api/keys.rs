//! `/_emulator/keys`: the published signing keys, and their rotation.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiResult;
use crate::Emulator;
use crate::error::ClerkApiError;
use crate::http::JsonBody;

/// A rotated-out key stays in the JWKS this long by default: the five minutes verifiers such
/// as Clerk's SDK cache a JWKS.
const DEFAULT_GRACE_SECS: u64 = 300;

pub(super) async fn list_keys(State(emulator): State<Emulator>) -> Json<Value> {
    let now = Instant::now();
    let keys: Vec<Value> = emulator
        .published_keys()
        .iter()
        .map(|(key, until)| {
            json!({
                "kid": key.kid,
                "current": until.is_none(),
                "public_key_pem": key.public_pem,
                "published_for_secs": until.map(|u| u.saturating_duration_since(now).as_secs()),
            })
        })
        .collect();
    Json(json!({ "keys": keys }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RotateBody {
    grace_secs: Option<u64>,
    private_key_pem: Option<String>,
}

pub(super) async fn rotate_key(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<RotateBody>,
) -> ApiResult {
    let grace = body.grace_secs.unwrap_or(DEFAULT_GRACE_SECS);
    if grace > 7 * 86_400 {
        return Err(ClerkApiError::unprocessable(
            "grace_secs must be at most a week",
        ));
    }
    let rotation = emulator
        .rotate_key(body.private_key_pem, Duration::from_secs(grace))
        .await?;
    Ok(Json(json!({
        "kid": rotation.kid,
        "previous_kid": rotation.previous_kid,
        "previous_published_for_secs": rotation
            .previous_published_until
            .saturating_duration_since(Instant::now())
            .as_secs(),
    })))
}
