//! `/v1/sessions` (get, list, revoke, tokens) and `/v1/sign_in_tokens` (create, revoke), as
//! `@clerk/backend`'s `sessions.*` and `signInTokens.*` call them.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::gate;
use super::query::Query;
use crate::core::LIFETIME_RANGE;
use crate::core::store::DEFAULT_SIGN_IN_TOKEN_SECS;
use crate::core::store::{Session, SessionStatus};
use crate::error::ClerkApiError;
use crate::http::parse_json;
use crate::{Emulator, TokenOptions};

pub(crate) const GET_SESSION_ENDPOINT: &str = "GET /v1/sessions/{id}";
pub(crate) const LIST_SESSIONS_ENDPOINT: &str = "GET /v1/sessions";
pub(crate) const REVOKE_SESSION_ENDPOINT: &str = "POST /v1/sessions/{id}/revoke";
pub(crate) const CREATE_SIGN_IN_TOKEN_ENDPOINT: &str = "POST /v1/sign_in_tokens";
pub(crate) const REVOKE_SIGN_IN_TOKEN_ENDPOINT: &str = "POST /v1/sign_in_tokens/{id}/revoke";

/// Clerk's default session lifetime (7 days) and the time after which an idle session is
/// abandoned (30 days). The emulator shows them; it does not end sessions by time.
const SESSION_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;
const SESSION_ABANDON_MS: i64 = 30 * 24 * 3600 * 1000;

/// The Backend API's `session` object.
fn session_json(session: &Session) -> Value {
    json!({
        "object": "session",
        "id": session.id,
        "client_id": session.client_id,
        "user_id": session.user_id,
        "status": session.status.as_str(),
        "last_active_at": session.updated_at,
        "last_active_organization_id": null,
        "actor": null,
        "latest_activity": null,
        "expire_at": session.created_at.saturating_add(SESSION_LIFETIME_MS),
        "abandon_at": session.created_at.saturating_add(SESSION_ABANDON_MS),
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    })
}

pub(crate) async fn get_session(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, GET_SESSION_ENDPOINT)?;
    emulator
        .read_state(|data| data.session(&id).map(session_json))
        .map(Json)
        .map_err(ClerkApiError::from)
}

/// Newest first. Like Clerk, it needs a `user_id` or a `client_id`; `paginated=true` (which
/// the SDK sends) wraps the page as `{data, total_count}`.
pub(crate) async fn list_sessions(
    State(emulator): State<Emulator>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, LIST_SESSIONS_ENDPOINT)?;
    let query = Query::parse(
        raw.as_deref(),
        &[
            "user_id",
            "client_id",
            "status",
            "limit",
            "offset",
            "paginated",
        ],
    )?;
    let (limit, offset) = query.page()?;
    let user_id = query.one("user_id");
    let client_id = query.one("client_id");
    if user_id.is_none() && client_id.is_none() {
        return Err(
            ClerkApiError::unprocessable("user_id or client_id must be given")
                .with_param("user_id"),
        );
    }
    let status = query.one("status");
    let (page, total) = emulator.read_state(|data| {
        // Newest first; sessions made in the same millisecond by when they were made (the
        // list is kept in that order, and the sort is stable).
        let mut sessions: Vec<&Session> = data
            .sessions
            .iter()
            .rev()
            .filter(|s| user_id.is_none_or(|u| s.user_id == u))
            .filter(|s| client_id.is_none_or(|c| s.client_id.as_deref() == Some(c)))
            .filter(|s| status.is_none_or(|st| s.status.as_str() == st))
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        let total = sessions.len();
        let page: Vec<Value> = sessions
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(session_json)
            .collect();
        (page, total)
    });
    if query.flag("paginated") {
        Ok(Json(json!({ "data": page, "total_count": total })))
    } else {
        Ok(Json(Value::Array(page)))
    }
}

/// Revokes the session: its tokens can no longer be refreshed and its browser is signed out
/// at the next token request.
pub(crate) async fn revoke_session(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, REVOKE_SESSION_ENDPOINT)?;
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let session = data.set_session_status(&id, SessionStatus::Revoked, now)?;
            Ok((session_json(&session), Vec::new()))
        })
        .await
        .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSignInTokenBody {
    user_id: String,
    expires_in_seconds: Option<u64>,
}

pub(crate) async fn create_sign_in_token(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, CREATE_SIGN_IN_TOKEN_ENDPOINT)?;
    let body: CreateSignInTokenBody = parse_json(&body)?;
    let secs = body
        .expires_in_seconds
        .unwrap_or(DEFAULT_SIGN_IN_TOKEN_SECS);
    let base = emulator.image_base().to_owned();
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let token = data.create_sign_in_token(&body.user_id, secs, now)?;
            Ok((token.clerk_json(&base), Vec::new()))
        })
        .await
        .map(Json)
}

pub(crate) async fn revoke_sign_in_token(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, REVOKE_SIGN_IN_TOKEN_ENDPOINT)?;
    let base = emulator.image_base().to_owned();
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let token = data.revoke_sign_in_token(&id, now)?;
            Ok((token.clerk_json(&base), Vec::new()))
        })
        .await
        .map(Json)
}

pub(crate) const SESSION_TOKEN_ENDPOINT: &str = "POST /v1/sessions/{id}/tokens";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionTokenBody {
    expires_in_seconds: Option<u64>,
}

/// A session token for an active session, `{"object":"token","jwt":…}`, as
/// `sessions.getToken(sessionId)` asks for it (no `azp`: no browser asked).
pub(crate) async fn session_token(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, SESSION_TOKEN_ENDPOINT)?;
    let body: SessionTokenBody = parse_json(&body)?;
    let lifetime = match body.expires_in_seconds {
        None => None,
        Some(secs) if (LIFETIME_RANGE.0..=LIFETIME_RANGE.1).contains(&secs) => {
            Some(Duration::from_secs(secs))
        }
        Some(_) => {
            return Err(ClerkApiError::unprocessable(format!(
                "expires_in_seconds must be between {} and {}",
                LIFETIME_RANGE.0, LIFETIME_RANGE.1
            ))
            .with_param("expires_in_seconds"));
        }
    };
    let user_id = emulator.read_state(|data| data.session(&id).map(|s| s.user_id.clone()))?;
    let options = TokenOptions {
        lifetime,
        ..TokenOptions::default()
    };
    let minted = emulator.mint_checked(&user_id, Some(&id), &options)?;
    Ok(Json(json!({ "object": "token", "jwt": minted.jwt })))
}
