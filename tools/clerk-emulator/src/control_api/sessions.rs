//! `/_emulator/tokens`, `/sessions` and `/clients`: tokens minted for anyone, and sessions and
//! clients ended, revoked or expired on demand.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, checked_lifetime};
use crate::core::store::SessionStatus;
use crate::core::tokens::Minted;
use crate::error::ClerkApiError;
use crate::http::{JsonBody, request_origin};
use crate::{Emulator, TokenOptions};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MintBody {
    user_id: String,
    template: Option<String>,
    #[serde(default)]
    expired: bool,
    lifetime_secs: Option<u64>,
    omit_custom_claims: Option<bool>,
    azp: Option<String>,
    session_id: Option<String>,
}

pub(super) async fn mint(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<MintBody>,
) -> ApiResult {
    let lifetime = body.lifetime_secs.map(checked_lifetime).transpose()?;
    let options = TokenOptions {
        template: body.template.clone(),
        expired: body.expired,
        lifetime,
        omit_custom_claims: body.omit_custom_claims,
        azp: body.azp,
        session_id: body.session_id,
    };
    let (minted, session_id) = emulator.mint_token(&body.user_id, options).await?;
    Ok(Json(minted_json(
        &minted,
        session_id.as_deref(),
        body.template,
    )))
}

fn minted_json(minted: &Minted, session_id: Option<&str>, template: Option<String>) -> Value {
    json!({
        "jwt": minted.jwt,
        "session_id": session_id,
        "template": template,
        "kid": minted.kid,
        "iat": minted.iat,
        "exp": minted.exp,
    })
}

pub(super) async fn list_sessions(State(emulator): State<Emulator>) -> Json<Value> {
    Json(emulator.read_state(
        |data| json!({ "sessions": data.sessions.iter().map(|s| s.json()).collect::<Vec<_>>() }),
    ))
}

pub(super) async fn end_session(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> ApiResult {
    set_status(&emulator, &id, SessionStatus::Ended).await
}

pub(super) async fn revoke_session(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> ApiResult {
    set_status(&emulator, &id, SessionStatus::Revoked).await
}

/// The session reaches its `expire_at` now, as a week-old Clerk session does.
pub(super) async fn expire_session(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> ApiResult {
    set_status(&emulator, &id, SessionStatus::Expired).await
}

pub(super) async fn list_clients(State(emulator): State<Emulator>) -> Json<Value> {
    Json(emulator.read_state(|data| {
        let clients: Vec<Value> = data
            .clients
            .iter()
            .map(|c| {
                json!({
                    "object": "client",
                    "id": c.id,
                    "session_id": c.session_id,
                    "expired": c.expired,
                    "created_at": c.created_at,
                    "updated_at": c.updated_at,
                })
            })
            .collect();
        json!({ "clients": clients })
    }))
}

/// The client's cookie stops naming a client and its session expires: the browser is signed
/// out on its next Frontend API call.
pub(super) async fn expire_client(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> ApiResult {
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            data.expire_client(&id, now)?;
            Ok((
                json!({ "object": "client", "id": id, "expired": true }),
                Vec::new(),
            ))
        })
        .await
        .map(Json)
}

async fn set_status(emulator: &Emulator, id: &str, status: SessionStatus) -> ApiResult {
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let session = data.set_session_status(id, status, now)?;
            Ok((session.json(), Vec::new()))
        })
        .await
        .map(Json)
}

/// An already expired token for an active session, with the caller's origin as `azp`: what
/// a browser holds after its laptop slept through the refresh.
pub(super) async fn expired_token(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let user_id = emulator.read_state(|data| data.session(&id).map(|s| s.user_id.clone()))?;
    let options = TokenOptions {
        expired: true,
        azp: request_origin(&headers),
        session_id: Some(id.clone()),
        ..TokenOptions::default()
    };
    let minted = emulator.mint_checked(&user_id, Some(&id), &options)?;
    Ok(Json(minted_json(&minted, Some(&id), None)))
}
