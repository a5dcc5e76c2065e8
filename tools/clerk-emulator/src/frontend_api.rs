//! The Frontend API the browser script calls, loosely after Clerk's: the client (from the
//! HttpOnly `__client` cookie), its session, session and template tokens, sign-out. Also the
//! public JWKS and the generated avatars.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::backend_api::WELL_KNOWN_JWKS_ENDPOINT;
use crate::error::ApiError;
use crate::http::{CLIENT_COOKIE, escape_html, read_cookie, request_origin};
use crate::store::{Client, SessionStatus, StateData};
use crate::{Emulator, EmulatorError, TokenOptions};

pub async fn jwks(State(emulator): State<Emulator>) -> Json<Value> {
    emulator.count_call(WELL_KNOWN_JWKS_ENDPOINT);
    Json(emulator.inner.keys.jwks())
}

/// `{"response": <client or null>, "client": null}`, like Clerk's envelope.
pub async fn client(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    let cookie = read_cookie(&headers, CLIENT_COOKIE);
    let base = emulator.base().to_owned();
    let client = emulator.read_state(|data| {
        cookie
            .as_deref()
            .and_then(|c| data.client_by_cookie(c))
            .map(|client| client_json(data, client, &base))
    });
    no_store(Json(json!({ "response": client, "client": null })).into_response())
}

pub async fn session_token(
    State(emulator): State<Emulator>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    token(&emulator, &sid, None, &headers)
}

pub async fn template_token(
    State(emulator): State<Emulator>,
    Path((sid, template)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    token(&emulator, &sid, Some(template), &headers)
}

fn token(
    emulator: &Emulator,
    sid: &str,
    template: Option<String>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let user_id = own_session(emulator, headers, sid, true)?;
    let options = TokenOptions {
        template,
        azp: request_origin(headers),
        ..TokenOptions::default()
    };
    let minted = emulator
        .mint_checked(&user_id, Some(sid), &options)
        .map_err(|e| match e {
            // A session that belongs to the browser but has ended means "signed out".
            EmulatorError::SessionInactive { .. } => signed_out(),
            other => other.into(),
        })?;
    Ok(no_store(
        Json(json!({ "object": "token", "jwt": minted.jwt })).into_response(),
    ))
}

pub async fn remove_session(
    State(emulator): State<Emulator>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Signing out of an already ended session is not an error: the answer says it ended.
    own_session(&emulator, &headers, &sid, false)?;
    let base = emulator.base().to_owned();
    let cookie = read_cookie(&headers, CLIENT_COOKIE).unwrap_or_default();
    let body = emulator
        .mutate::<_, ApiError>(|data, now| {
            let session = data.set_session_status(&sid, SessionStatus::Removed, now)?;
            let client = data
                .client_by_cookie(&cookie)
                .map(|c| client_json(data, c, &base));
            Ok((
                json!({ "response": session.json(), "client": client }),
                Vec::new(),
            ))
        })
        .await?;
    Ok(no_store(Json(body).into_response()))
}

/// The session's user id, when the session belongs to the browser's client (and is active,
/// if asked).
fn own_session(
    emulator: &Emulator,
    headers: &HeaderMap,
    sid: &str,
    active: bool,
) -> Result<String, ApiError> {
    let cookie = read_cookie(headers, CLIENT_COOKIE).ok_or_else(signed_out)?;
    emulator.read_state(|data| {
        let client = data.client_by_cookie(&cookie).ok_or_else(signed_out)?;
        let session = data
            .sessions
            .iter()
            .find(|s| s.id == sid && s.client_id.as_deref() == Some(client.id.as_str()))
            .ok_or_else(|| ApiError::not_found(format!("session {sid}")))?;
        if active && session.status != SessionStatus::Active {
            return Err(signed_out());
        }
        Ok(session.user_id.clone())
    })
}

fn signed_out() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "signed_out",
        "You are signed out",
        "This browser has no active session here; sign in again",
    )
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The client as the Frontend API shows it: its active session with the user.
pub fn client_json(data: &StateData, client: &Client, base: &str) -> Value {
    let sessions: Vec<Value> = client
        .session_id
        .iter()
        .filter_map(|sid| data.session(sid).ok())
        .filter(|s| s.status == SessionStatus::Active)
        .filter_map(|s| {
            let user = data.user(&s.user_id).ok()?;
            Some(json!({
                "object": "session",
                "id": s.id,
                "status": s.status.as_str(),
                "last_active_at": s.updated_at,
                "user": user.frontend_json(base),
                "created_at": s.created_at,
                "updated_at": s.updated_at,
            }))
        })
        .collect();
    let last_active = sessions.first().and_then(|s| s.get("id")).cloned();
    json!({
        "object": "client",
        "id": client.id,
        "sessions": sessions,
        "last_active_session_id": last_active,
        "sign_in": null,
        "sign_up": null,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    })
}

/// A generated avatar with the user's initials, so `image_url` needs no network.
pub async fn avatar(State(emulator): State<Emulator>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".svg") else {
        return ApiError::not_found("avatar").into_response();
    };
    let Ok(user) = emulator.read_state(|data| data.user(id).cloned()) else {
        return ApiError::not_found("avatar").into_response();
    };
    let initials: String = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|n| n.chars().next())
        .chain(
            user.first_name
                .is_none()
                .then(|| user.email_address.chars().next())
                .flatten(),
        )
        .flat_map(char::to_uppercase)
        .collect();
    let hue = user
        .id
        .bytes()
        .fold(0u32, |h, b| (h * 31 + u32::from(b)) % 360);
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img" aria-label="{label}"><rect width="128" height="128" fill="hsl({hue} 45% 38%)"/><text x="64" y="64" dy=".35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="52" fill="#fff">{initials}</text></svg>"##,
        label = escape_html(&user.full_name().unwrap_or(user.email_address.clone())),
        initials = escape_html(&initials),
    );
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=60"),
        ],
        svg,
    )
        .into_response()
}
