//! `GET /v1/client/handshake?redirect_url=…`: Clerk's handshake. An app's server sends a
//! document navigation here when its session cookie is missing or expired while
//! `__client_uat` says the browser is signed in. The Frontend API knows the browser by its
//! `__client` cookie, mints a fresh session token for the client's active session (no `azp`:
//! a top-level navigation has no `Origin`, and Clerk leaves it out too) and redirects back to
//! `redirect_url` with `__clerk_handshake=<JWT>`: signed by the instance key, its `handshake`
//! claim lists the `Set-Cookie` values the app applies on its own origin. Without a live
//! session the directives sign the browser out (`__client_uat=0`, `__session` cleared).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::{BrowserClient, no_store};
use crate::core::store::SessionStatus;
use crate::error::ClerkApiError;
use crate::http::{CLIENT_UAT_COOKIE, LONG_COOKIE_SECS};
use crate::{Emulator, TokenOptions, now_millis};

/// The query parameter the app reads the payload from (Clerk's name).
const HANDSHAKE_PARAM: &str = "__clerk_handshake";
const SESSION_COOKIE: &str = "__session";

pub(crate) async fn handshake(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let redirect = redirect_url(&emulator, query.get("redirect_url").map(String::as_str))?;
    let directives = directives(&emulator, &headers)?;
    let payload = emulator.sign_handshake(&directives)?;
    let mut back = redirect;
    back.query_pairs_mut()
        .append_pair(HANDSHAKE_PARAM, &payload);
    let location = HeaderValue::from_str(back.as_str())
        .map_err(|_| ClerkApiError::bad_request("redirect_url is not a valid URL"))?;
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(no_store(response))
}

/// Only back to an origin the emulator serves (an open redirect would hand the payload, and
/// with it a session, to anyone).
fn redirect_url(emulator: &Emulator, raw: Option<&str>) -> Result<Url, ClerkApiError> {
    let raw = raw
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ClerkApiError::unprocessable("redirect_url is required"))?;
    let url =
        Url::parse(raw).map_err(|_| ClerkApiError::unprocessable("redirect_url is invalid"))?;
    if !matches!(url.scheme(), "http" | "https")
        || !emulator.origin_allowed(&url.origin().ascii_serialization())
    {
        return Err(ClerkApiError::unprocessable(
            "redirect_url must be on an allowed origin",
        ));
    }
    Ok(url)
}

/// The cookies for the app's origin: a fresh token and `__client_uat` for a signed-in client,
/// or the signed-out pair. Each name also in its suffixed form, as clerk-js writes them.
fn directives(emulator: &Emulator, headers: &HeaderMap) -> Result<Vec<String>, ClerkApiError> {
    let browser = BrowserClient::from_headers(headers);
    let now = now_millis();
    let active = emulator.read_state(|data| {
        let client = browser.find(data)?;
        let session = data
            .session(client.session_id.as_deref()?)
            .ok()
            .filter(|s| s.status_at(now) == SessionStatus::Active)?;
        Some((
            session.user_id.clone(),
            session.id.clone(),
            client.updated_at / 1000,
        ))
    });
    let suffix = emulator.cookie_suffix();
    let pair = |name: &str, value: &str, max_age: i64| {
        [name.to_owned(), format!("{name}_{suffix}")]
            .map(|name| format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}"))
    };
    let Some((user_id, session_id, uat)) = active else {
        let mut out = pair(SESSION_COOKIE, "", 0).to_vec();
        out.extend(pair(CLIENT_UAT_COOKIE, "0", LONG_COOKIE_SECS));
        return Ok(out);
    };
    let options = TokenOptions {
        session_id: Some(session_id.clone()),
        expired: emulator.take_failing_handshake(),
        ..TokenOptions::default()
    };
    let minted = emulator.mint_checked(&user_id, Some(&session_id), &options)?;
    let lifetime = (minted.exp - minted.iat).max(1);
    let mut out = pair(SESSION_COOKIE, &minted.jwt, lifetime).to_vec();
    out.extend(pair(CLIENT_UAT_COOKIE, &uat.to_string(), LONG_COOKIE_SECS));
    Ok(out)
}
