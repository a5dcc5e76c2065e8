//! The Clerk Frontend API proxy (`CLERK_FRONTEND_API_PROXY=on`): the instance's Frontend API
//! served from the app's own origin under the proxy path, as `clerkFrontendApiProxy` in
//! `@clerk/backend`'s `proxy.ts` serves it, so clerk-js talks first-party.
//!
//! Per request, as Clerk's proxy does: the path under the mount path and the query go to the
//! upstream; the method and the headers go along but for hop-by-hop ones and `Host`;
//! `Clerk-Proxy-Url` (the public origin the browser used plus the mount path),
//! `Clerk-Secret-Key`, `X-Forwarded-For`/`-Host`/`-Proto` and `Accept-Encoding: identity` are
//! set; an upstream `Location` on the Frontend API is rewritten to go through the proxy.
//! Where we differ, it is on purpose:
//! - the browser's origin and address come from [`BrowserOrigin`] (forwarded headers believed
//!   only from `TRUSTED_PROXIES`), never from a client's `X-Forwarded-*`, `X-Real-IP` or
//!   `CF-Connecting-IP`, which are dropped: Clerk's bot protection and rate limits key on
//!   that address;
//! - headers named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1), and every `Proxy-*`;
//! - multiple header lines (several `Set-Cookie`) are kept as they are, and bodies stream both
//!   ways (no decompression: `Content-Encoding` and `Content-Length` stay true);
//! - connecting and the response head are bounded in time (504), request bodies in size (413).
//!
//! Error answers keep Clerk's proxy shape, `{"errors":[{"code":…,"message":…}]}` (what
//! `proxy.ts`'s `createErrorResponse` writes, and what clerk-js reads from the Frontend API),
//! with Clerk's `proxy_request_failed` for an unreachable upstream (502). Clerk's proxy has no
//! timeout or size limit; those answers use codes of ours in the same shape.
//!
//! The proxy is mounted outside the auth layer, the CSRF check and the app's own body limit
//! and timeout ([`crate::startup::router`]): Clerk's own cookies and tokens are the Frontend
//! API's business, not ours.

mod forward;

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::any,
};
use serde_json::json;
use url::Url;

use crate::config::ProxySettings;

/// The proxy's settings and its upstream client.
#[derive(Debug)]
pub(crate) struct FrontendApiProxy {
    client: reqwest::Client,
    /// The Frontend API, ending in `/`.
    upstream: Url,
    /// The mount path, without a trailing slash.
    path: String,
    /// `Clerk-Secret-Key`, marked sensitive (never in a `Debug` or an HTTP/2 header table).
    secret_key: HeaderValue,
    timeout: Duration,
    body_limit: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ProxySetupError {
    #[error("the Frontend API proxy's HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("CLERK_SECRET_KEY cannot be sent as a header")]
    SecretKey,
}

impl FrontendApiProxy {
    pub(crate) fn new(settings: &ProxySettings) -> Result<Self, ProxySetupError> {
        let mut secret_key = HeaderValue::from_str(settings.secret_key.expose())
            .map_err(|_| ProxySetupError::SecretKey)?;
        secret_key.set_sensitive(true);
        // Redirects go back to the browser, cookies belong to the browser, and bodies pass as
        // they are (decoding would make `Content-Encoding`/`Content-Length` lie).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout)
            .read_timeout(settings.timeout)
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .no_zstd()
            .build()?;
        Ok(Self {
            client,
            upstream: settings.upstream.clone(),
            path: settings.path.clone(),
            secret_key,
            timeout: settings.timeout,
            body_limit: settings.body_limit,
        })
    }

    /// The routes: everything under the mount path, any method.
    pub(crate) fn router(self) -> Router {
        let path = self.path.clone();
        Router::new().nest_service(&path, any(forward::forward).with_state(Arc::new(self)))
    }
}

/// Why a request did not get the Frontend API's own answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The upstream refused, was unreachable, failed TLS or broke off: 502.
    Upstream,
    /// No response head within the bound: 504.
    Timeout,
    /// The request body is over the limit: 413.
    TooLarge,
    /// The request names no host, so there is no public proxy URL to give Clerk: 400.
    NoHost,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Self::Upstream => (
                StatusCode::BAD_GATEWAY,
                "proxy_request_failed",
                "Failed to proxy the request to Clerk's Frontend API.",
            ),
            Self::Timeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "proxy_request_timeout",
                "Clerk's Frontend API did not answer in time.",
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "proxy_request_too_large",
                "The request body is too large to proxy.",
            ),
            Self::NoHost => (
                StatusCode::BAD_REQUEST,
                "proxy_request_invalid",
                "The request does not name the host it was sent to.",
            ),
        };
        let body = json!({ "errors": [{ "code": code, "message": message }] });
        (status, Json(body)).into_response()
    }
}
