//! Clerk's Frontend API, as the real clerk-js 6 calls it in proxy mode: the environment, the
//! client (recognised by the HttpOnly `__client` cookie), sign-ins, sign-ups, sessions and
//! their tokens. Answers use Clerk's envelope, `{"response": …, "client": …}`, and Clerk's
//! error bodies; every answer that knows the client also sets `__client_uat`, as Clerk's
//! production Frontend API does (clerk-js writes it itself only for development instances).
//!
//! clerk-js sends every write as `POST` with the real method in `_method` (see
//! [`crate::routes`]) and its bodies as forms with snake_case keys ([`Form`]).

mod client;
mod environment;
mod handshake;
mod json;
mod me;
mod sessions;
mod sign_in;
mod sign_up;

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::Emulator;
use crate::error::ClerkApiError;
use crate::http::{
    BrowserClient, CLIENT_COOKIE, CLIENT_UAT_COOKIE, Cookie, LONG_COOKIE_SECS, escape_html,
};

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route(
            "/v1/environment",
            get(environment::get).patch(environment::get),
        )
        .route(
            "/v1/client",
            get(client::get).put(client::create).delete(client::destroy),
        )
        .route(
            "/v1/client/sessions",
            axum::routing::delete(client::remove_sessions),
        )
        .route("/v1/client/handshake", get(handshake::handshake))
        .route("/v1/client/sessions/{sid}/tokens", post(sessions::token))
        .route(
            "/v1/client/sessions/{sid}/tokens/{template}",
            post(sessions::template_token),
        )
        .route("/v1/client/sessions/{sid}/touch", post(sessions::touch))
        .route("/v1/client/sessions/{sid}/end", post(sessions::end))
        .route("/v1/client/sessions/{sid}/remove", post(sessions::remove))
        .route("/v1/me", axum::routing::patch(me::update))
        .route("/v1/me/sessions/active", get(me::active_sessions))
        .route("/v1/client/sign_ins", post(sign_in::create))
        .route("/v1/client/sign_ins/{id}", get(sign_in::get))
        .route(
            "/v1/client/sign_ins/{id}/attempt_first_factor",
            post(sign_in::attempt_first_factor),
        )
        .route("/v1/client/sign_ups", post(sign_up::create))
        .route(
            "/v1/client/sign_ups/{id}",
            get(sign_up::get).patch(sign_up::update),
        )
        .route("/.well-known/jwks.json", get(jwks))
        .route("/avatars/{file}", get(avatar))
}

/// The JWKS at Clerk's Frontend API path, counted like the Backend API's calls.
pub(crate) const WELL_KNOWN_JWKS_ENDPOINT: &str = "GET /.well-known/jwks.json";

pub(crate) async fn jwks(State(emulator): State<Emulator>) -> Json<Value> {
    emulator.count_call(WELL_KNOWN_JWKS_ENDPOINT);
    Json(emulator.jwks())
}

/// A form body as clerk-js sends it (`application/x-www-form-urlencoded`, snake_case keys).
/// Empty values count as absent, as they do for Clerk (`organization_id=` means none).
pub(crate) struct Form(pub HashMap<String, String>);

impl Form {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ClerkApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ClerkApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ClerkApiError::bad_request(format!("could not read the body: {e}")))?;
        Ok(Form(
            url::form_urlencoded::parse(&bytes).into_owned().collect(),
        ))
    }
}

/// What a Frontend API answer says about the client afterwards: its JSON for the envelope,
/// and the cookies that follow from it.
pub(crate) struct ClientView {
    pub json: Value,
    /// Set when the answer created the client: the browser must keep this cookie.
    pub new_cookie: Option<String>,
    /// `__client_uat`: seconds of the client's last change while signed in, else 0.
    pub uat: i64,
}

impl ClientView {
    pub(crate) fn none() -> Self {
        Self {
            json: Value::Null,
            new_cookie: None,
            uat: 0,
        }
    }
}

/// Builds the client's view under the state lock (the session tokens in it are minted by the
/// caller afterwards: see [`client::view`]).
pub(crate) fn envelope(
    emulator: &Emulator,
    status: StatusCode,
    response: Value,
    client: ClientView,
) -> Response {
    let body = json!({ "response": response, "client": client.json });
    let mut answer = (status, Json(body)).into_response();
    set_client_cookies(emulator, &mut answer, &client);
    no_store(answer)
}

fn set_client_cookies(emulator: &Emulator, response: &mut Response, client: &ClientView) {
    let headers = response.headers_mut();
    if let Some(cookie) = &client.new_cookie
        && let Some(value) = (Cookie {
            name: CLIENT_COOKIE,
            value: cookie,
            path: emulator.base_path(),
            http_only: true,
            max_age: Some(LONG_COOKIE_SECS),
        })
        .header()
    {
        headers.append(header::SET_COOKIE, value);
    }
    let uat = client.uat.to_string();
    let suffixed = format!("{CLIENT_UAT_COOKIE}_{}", emulator.cookie_suffix());
    for name in [CLIENT_UAT_COOKIE, suffixed.as_str()] {
        let cookie = Cookie {
            name,
            value: &uat,
            path: "/",
            http_only: false,
            max_age: Some(LONG_COOKIE_SECS),
        };
        if let Some(value) = cookie.header() {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Clerk's answer for a browser without a (live) client or session.
pub(crate) fn signed_out() -> ClerkApiError {
    ClerkApiError::new(
        StatusCode::UNAUTHORIZED,
        "signed_out",
        "You are signed out",
        "This browser has no active session here; sign in again",
    )
}

/// The origin that asked, for a token's `azp`: `Origin`, else the origin of the `Referer`
/// (browsers send no `Origin` on same-origin GETs).
pub(crate) fn asking_origin(headers: &HeaderMap) -> Option<String> {
    crate::http::request_origin(headers).or_else(|| {
        headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| url::Url::parse(r).ok())
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o != "null")
    })
}

/// A generated avatar with the user's initials, so `image_url` needs no network.
pub(crate) async fn avatar(State(emulator): State<Emulator>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".svg") else {
        return ClerkApiError::not_found("avatar").into_response();
    };
    let Ok(user) = emulator.read_state(|data| data.user(id).cloned()) else {
        return ClerkApiError::not_found("avatar").into_response();
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
