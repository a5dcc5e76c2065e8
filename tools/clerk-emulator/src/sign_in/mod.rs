//! The emulator's sign-in page, the stand-in for Clerk's Account Portal: it loads the real
//! clerk-js (in proxy mode, from the emulator) and signs people in through the Frontend API,
//! as a seeded person (a sign-in token: the `ticket` strategy), with email and password, or
//! by creating an account. The page is server-rendered ([`page`]); its script and styles are
//! files of their own, so a Content-Security-Policy of `'self'` allows them.

mod page;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::Emulator;
use crate::error::ClerkApiError;
use crate::http::{BrowserClient, JsonBody};

/// How long a ticket minted for the page stays valid: one click's worth.
const PAGE_TICKET_SECS: u64 = 60;

const SCRIPT: &str = include_str!("../../assets/sign-in.js");
const STYLES: &str = include_str!("../../assets/sign-in.css");

pub(crate) async fn page(State(emulator): State<Emulator>) -> Response {
    let html = page::render(&emulator);
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub(crate) async fn styles() -> Response {
    asset("text/css; charset=utf-8", STYLES)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Small, and part of the emulator: fresh after every upgrade.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TicketRequest {
    user_id: String,
}

/// `POST /sign-in/ticket {"user_id"}`: a short-lived sign-in token for the page's "Continue
/// as" buttons. The emulator lets anyone sign in as anyone (that is its point); the origin
/// rules keep other sites from asking.
pub(crate) async fn ticket(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<TicketRequest>,
) -> Result<Response, ClerkApiError> {
    let token = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let token = data.create_sign_in_token(&request.user_id, PAGE_TICKET_SECS, now)?;
            Ok((token.token, Vec::new()))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "ticket": token })),
    )
        .into_response())
}

/// The emulator's own root page (standalone only): who this browser is signed in as.
pub(crate) async fn home(State(emulator): State<Emulator>, headers: HeaderMap) -> Html<String> {
    let browser = BrowserClient::from_headers(&headers);
    let who = emulator.read_state(|data| {
        let client = browser.find(data)?;
        let session = data.session(client.session_id.as_deref()?).ok()?;
        let user = data.user(&session.user_id).ok()?;
        Some(
            user.full_name()
                .unwrap_or_else(|| user.email_address.clone()),
        )
    });
    Html(page::home(&emulator, who.as_deref()))
}
