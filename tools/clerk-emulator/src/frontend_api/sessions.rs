//! `/v1/client/sessions/{sid}/…`: session tokens (default and template), `touch` (what
//! `setActive` sends), `end` and `remove` (sign out of one session).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::json::session_json;
use super::{BrowserClient, Form, asking_origin, client, envelope, no_store, signed_out};
use crate::core::store::SessionStatus;
use crate::error::ClerkApiError;
use crate::{Emulator, EmulatorError, TokenOptions, now_millis};

pub(crate) async fn token(
    State(emulator): State<Emulator>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    mint(&emulator, &sid, None, &headers).await
}

pub(crate) async fn template_token(
    State(emulator): State<Emulator>,
    Path((sid, template)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    mint(&emulator, &sid, Some(template), &headers).await
}

async fn mint(
    emulator: &Emulator,
    sid: &str,
    template: Option<String>,
    headers: &HeaderMap,
) -> Result<Response, ClerkApiError> {
    // The fault switch first, as a failing Clerk would answer before looking at anything.
    emulator.apply_token_fault().await?;
    let user_id = own_session(emulator, headers, sid, true)?;
    let options = TokenOptions {
        template,
        azp: asking_origin(headers),
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

/// `setActive`: the session becomes the client's active one; answers the session.
pub(crate) async fn touch(
    State(emulator): State<Emulator>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    _form: Form,
) -> Result<Response, ClerkApiError> {
    own_session(&emulator, &headers, &sid, true)?;
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            if let Some(session) = data.sessions.iter_mut().find(|s| s.id == sid) {
                session.updated_at = now.max(session.updated_at);
            }
            Ok(((), Vec::new()))
        })
        .await?;
    session_answer(&emulator, &sid, &headers)
}

pub(crate) async fn end(
    State(emulator): State<Emulator>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    close(&emulator, &sid, SessionStatus::Ended, &headers).await
}

pub(crate) async fn remove(
    State(emulator): State<Emulator>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    close(&emulator, &sid, SessionStatus::Removed, &headers).await
}

async fn close(
    emulator: &Emulator,
    sid: &str,
    status: SessionStatus,
    headers: &HeaderMap,
) -> Result<Response, ClerkApiError> {
    // Signing out of an already ended session is not an error: the answer says it ended.
    own_session(emulator, headers, sid, false)?;
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            data.set_session_status(sid, status, now)?;
            Ok(((), Vec::new()))
        })
        .await?;
    session_answer(emulator, sid, headers)
}

/// `{"response": session, "client": client}`.
fn session_answer(
    emulator: &Emulator,
    sid: &str,
    headers: &HeaderMap,
) -> Result<Response, ClerkApiError> {
    let now = now_millis();
    let (session, user, client_id) = emulator.read_state(|data| {
        let session = data.session(sid)?.clone();
        let user = data.user(&session.user_id)?.clone();
        let client = session_client(data, &session);
        Ok::<_, ClerkApiError>((session, user, client))
    })?;
    let view = match client_id {
        Some(id) => client::view(emulator, &id, None, headers),
        None => super::ClientView::none(),
    };
    let status = session.status_at(now);
    let token = (status == SessionStatus::Active)
        .then(|| client::piggybacked_token(emulator, &session, headers))
        .flatten();
    let response = session_json(
        &session,
        status.as_str(),
        &user,
        emulator.image_base(),
        token.as_deref(),
    );
    Ok(envelope(emulator, StatusCode::OK, response, view))
}

fn session_client(
    data: &crate::core::store::StateData,
    session: &crate::core::store::Session,
) -> Option<String> {
    session
        .client_id
        .as_ref()
        .filter(|id| data.clients.iter().any(|c| &c.id == *id && !c.expired))
        .cloned()
}

/// The session's user id, when the session belongs to the browser's client (and is active,
/// if asked). No client, or a client that expired, is "signed out"; another browser's
/// session is not found.
fn own_session(
    emulator: &Emulator,
    headers: &HeaderMap,
    sid: &str,
    active: bool,
) -> Result<String, ClerkApiError> {
    let browser = BrowserClient::from_headers(headers);
    let now = now_millis();
    emulator.read_state(|data| {
        let client = browser.find(data).ok_or_else(signed_out)?;
        let session = data
            .sessions
            .iter()
            .find(|s| s.id == sid && s.client_id.as_deref() == Some(client.id.as_str()))
            .ok_or_else(|| ClerkApiError::not_found(format!("session {sid}")))?;
        if active && session.status_at(now) != SessionStatus::Active {
            return Err(signed_out());
        }
        Ok(session.user_id.clone())
    })
}
