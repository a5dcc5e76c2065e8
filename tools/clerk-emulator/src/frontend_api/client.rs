//! `/v1/client`: the browser's client (get, create, destroy) and signing out of all its
//! sessions; and the client's JSON, which every other answer carries too.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::json::{session_json, sign_in_json, sign_up_json};
use super::{BrowserClient, ClientView, asking_origin, envelope};
use crate::core::store::{Client, Session, SessionStatus, User};
use crate::error::ClerkApiError;
use crate::{Emulator, TokenOptions, now_millis};

pub(crate) async fn get(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    let browser = BrowserClient::from_headers(&headers);
    let client_id = emulator.read_state(|data| browser.find(data).map(|c| c.id.clone()));
    let view = match client_id {
        Some(id) => view(&emulator, &id, None, &headers),
        None => ClientView::none(),
    };
    let response = view.json.clone();
    envelope(&emulator, StatusCode::OK, response, view)
}

/// `PUT /v1/client`: a client for this browser (the existing one if it has one).
pub(crate) async fn create(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let (client_id, new_cookie) = ensure_client(&emulator, &headers).await?;
    let view = view(&emulator, &client_id, new_cookie, &headers);
    let response = view.json.clone();
    Ok(envelope(&emulator, StatusCode::OK, response, view))
}

/// `DELETE /v1/client`: clerk-js's sign-out of a single-session client. The session ends and
/// the client is forgotten.
pub(crate) async fn destroy(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let browser = BrowserClient::from_headers(&headers);
    let id = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let Some(client) = browser.find(data).cloned() else {
                return Ok((None, Vec::new()));
            };
            if let Some(sid) = &client.session_id {
                data.set_session_status(sid, SessionStatus::Removed, now)?;
            }
            data.expire_client(&client.id, now)?;
            Ok((Some(client.id), Vec::new()))
        })
        .await?;
    let response = match id {
        Some(id) => json!({ "object": "client", "id": id, "deleted": true }),
        None => Value::Null,
    };
    Ok(envelope(
        &emulator,
        StatusCode::OK,
        response,
        ClientView::none(),
    ))
}

/// `DELETE /v1/client/sessions`: sign out of every session of this browser, keeping the
/// client (what `Clerk.signOut()` sends).
pub(crate) async fn remove_sessions(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let browser = BrowserClient::from_headers(&headers);
    let client_id = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let Some(client) = browser.find(data).cloned() else {
                return Ok((None, Vec::new()));
            };
            if let Some(sid) = &client.session_id {
                data.set_session_status(sid, SessionStatus::Removed, now)?;
            }
            Ok((Some(client.id), Vec::new()))
        })
        .await?;
    let view = match client_id {
        Some(id) => view(&emulator, &id, None, &headers),
        None => ClientView::none(),
    };
    let response = view.json.clone();
    Ok(envelope(&emulator, StatusCode::OK, response, view))
}

/// The browser's client, made when it has none yet (sign-ins and sign-ups start one). The
/// second value is the new cookie to set, if one was made.
pub(crate) async fn ensure_client(
    emulator: &Emulator,
    headers: &HeaderMap,
) -> Result<(String, Option<String>), ClerkApiError> {
    let browser = BrowserClient::from_headers(headers);
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            if let Some(client) = browser.find(data) {
                return Ok(((client.id.clone(), None), Vec::new()));
            }
            let client = data.create_client(now);
            Ok(((client.id, Some(client.cookie)), Vec::new()))
        })
        .await
}

/// The client as the Frontend API shows it, with a fresh token piggybacked on its session.
pub(crate) fn view(
    emulator: &Emulator,
    client_id: &str,
    new_cookie: Option<String>,
    headers: &HeaderMap,
) -> ClientView {
    let now = now_millis();
    let snapshot = emulator.read_state(|data| {
        let client = data.clients.iter().find(|c| c.id == client_id)?.clone();
        let session = client
            .session_id
            .as_deref()
            .and_then(|sid| data.session(sid).ok())
            .filter(|s| s.status_at(now) == SessionStatus::Active)
            .cloned();
        let user = session
            .as_ref()
            .and_then(|s| data.user(&s.user_id).ok())
            .cloned();
        let attempt_user =
            |user_id: Option<&String>| user_id.and_then(|id| data.user(id).ok()).cloned();
        let sign_in_user = attempt_user(client.sign_in.as_ref().and_then(|a| a.user_id.as_ref()));
        Some(Snapshot {
            client,
            session,
            user,
            sign_in_user,
        })
    });
    let Some(snapshot) = snapshot else {
        return ClientView {
            new_cookie,
            ..ClientView::none()
        };
    };
    let base = emulator.image_base();
    let signed_in = snapshot.session.is_some();
    let sessions: Vec<Value> = match (&snapshot.session, &snapshot.user) {
        (Some(session), Some(user)) => {
            let token = piggybacked_token(emulator, session, headers);
            vec![session_json(
                session,
                "active",
                user,
                base,
                token.as_deref(),
            )]
        }
        _ => Vec::new(),
    };
    let client = &snapshot.client;
    let json = json!({
        "object": "client",
        "id": client.id,
        "sessions": sessions,
        "sign_in": client.sign_in.as_ref().map(|a| sign_in_json(a, snapshot.sign_in_user.as_ref(), base)),
        "sign_up": client.sign_up.as_ref().map(sign_up_json),
        "last_active_session_id": snapshot.session.as_ref().map(|s| s.id.clone()),
        "captcha_bypass": false,
        "cookie_expires_at": client.created_at + crate::http::LONG_COOKIE_SECS * 1000,
        "last_authentication_strategy": null,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    });
    ClientView {
        json,
        new_cookie,
        uat: if signed_in {
            client.updated_at / 1000
        } else {
            0
        },
    }
}

struct Snapshot {
    client: Client,
    session: Option<Session>,
    user: Option<User>,
    sign_in_user: Option<User>,
}

/// A token for the session, as Clerk piggybacks on client answers. A token that cannot be
/// minted (the session ended meanwhile) is left out: clerk-js then asks for one.
pub(crate) fn piggybacked_token(
    emulator: &Emulator,
    session: &Session,
    headers: &HeaderMap,
) -> Option<String> {
    if emulator.token_fault_active() {
        // With token requests failing on purpose, do not hand out tokens by another path.
        return None;
    }
    let options = TokenOptions {
        azp: asking_origin(headers),
        ..TokenOptions::default()
    };
    emulator
        .mint_checked(&session.user_id, Some(&session.id), &options)
        .ok()
        .map(|minted| minted.jwt)
}
