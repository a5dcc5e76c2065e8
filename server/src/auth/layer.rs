//! The auth middleware: every request that carries a session token leaves here with the
//! local user in its extensions (`CurrentUser`), or is refused.
//!
//! - No token: the request goes on anonymous; handlers that need a user answer 401.
//! - A valid token: verify, sync, `CurrentUser` into the extensions.
//! - An invalid token: 401 with Clerk's reason on `/api/*` (REST and server functions); a page
//!   load renders signed out instead (clerk-js refreshes the cookie in the browser).
//! - A document navigation with an expired or stale cookie token, or none beside a signed-in
//!   `__client_uat`: Clerk's handshake ([`super::handshake`]) first, so the page is rendered
//!   signed in; coming back from it, the verified cookies are set.
//! - A cookie-authenticated request that changes state must come from an allowed origin.

use std::{sync::Arc, time::SystemTime};

use app::{
    api::{ApiError, reason},
    auth::{CurrentUser, HandshakeExhausted},
};
use axum::{
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use url::Url;

use crate::{http::BrowserOrigin, routes::API_PREFIX};

use super::{
    failure::{AuthFailure, Rejection},
    handshake::{self, Handshake, HandshakeReason, Start},
    service::Authenticator,
    token::{TokenSource, find_token, signed_in_client_uat},
};

#[derive(Clone)]
pub struct AuthLayerState {
    pub authenticator: Arc<Authenticator>,
    /// Origins besides the request's own host that may send cookie-authenticated writes.
    pub allowed_origins: Arc<Vec<String>>,
    /// clerk-js's cookie-name suffix for this instance's publishable key.
    pub cookie_suffix: Option<Arc<str>>,
    /// Clerk's handshake for document navigations; `None` leaves stale pages to clerk-js.
    pub handshake: Option<Arc<Handshake>>,
}

pub async fn authenticate(
    State(state): State<AuthLayerState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Static assets, probes, webhooks and the emulator never reach this layer: the router
    // (`startup.rs`) mounts them outside it.
    let path = request.uri().path();
    let is_api = path.starts_with(API_PREFIX);
    // Only pages: the Frontend API's own pages (proxy mode) and probes are no app pages.
    let handshake = state.handshake.as_deref().filter(|_| {
        !is_api
            && !path.starts_with("/__clerk")
            && handshake::is_document_request(request.method(), request.headers())
    });
    if let Some(handshake) = handshake
        && let Some(payload) = handshake::payload(request.uri())
    {
        let directives = match state.authenticator.verify_handshake(&payload, now()).await {
            Ok(directives) => directives,
            Err(failure) => {
                // Back to the clean URL with nothing set; the redirect counter ends any loop.
                tracing::warn!("handshake payload refused: {failure}");
                Vec::new()
            }
        };
        return handshake.finish(request.uri(), &directives);
    }
    let suffix = state.cookie_suffix.as_deref();
    let Some(found) = find_token(request.headers(), suffix) else {
        if let Some(handshake) = handshake
            && signed_in_client_uat(request.headers(), suffix).is_some()
        {
            return handshake_or_signed_out(
                handshake,
                request,
                next,
                HandshakeReason::UatWithoutToken,
            )
            .await;
        }
        return next.run(request).await;
    };
    if found.source == TokenSource::Cookie
        && !request.method().is_safe()
        && !origin_allowed(
            request.headers(),
            BrowserOrigin::of(&request).origin().as_deref(),
            &state.allowed_origins,
        )
    {
        tracing::warn!("cookie-authenticated write from a foreign or unknown origin refused");
        return ApiError::forbidden(
            reason::CSRF_ORIGIN_MISMATCH,
            "This request changes data and must come from this site.",
        )
        .into_response();
    }
    let from_cookie = found.source == TokenSource::Cookie;
    let result = state.authenticator.authenticate(&found, now()).await;
    match result {
        Ok(user) => {
            request.extensions_mut().insert(CurrentUser(user));
            next.run(request).await
        }
        Err(failure) => {
            log(&failure);
            if is_api {
                return failure.into_response();
            }
            if let Some(handshake) = handshake
                && from_cookie
                && outdated(&failure)
            {
                return handshake_or_signed_out(
                    handshake,
                    request,
                    next,
                    HandshakeReason::TokenOutdated,
                )
                .await;
            }
            // A page renders signed out; the browser's clerk-js will refresh the cookie.
            next.run(request).await
        }
    }
}

/// Refusals a fresh token from the Frontend API cures (Clerk's handshake reasons): the token
/// is too old, too new for this clock, or older than the browser's last sign-in.
fn outdated(failure: &AuthFailure) -> bool {
    matches!(
        failure,
        AuthFailure::Rejected(
            Rejection::Expired
                | Rejection::StaleCookie
                | Rejection::NotActiveYet
                | Rejection::IatInTheFuture
        )
    )
}

async fn handshake_or_signed_out(
    handshake: &Handshake,
    mut request: Request,
    next: Next,
    reason: HandshakeReason,
) -> Response {
    let origin = BrowserOrigin::of(&request);
    match handshake.start(request.headers(), &origin, request.uri(), reason) {
        Start::Redirect(redirect) => redirect,
        Start::LimitReached => {
            tracing::warn!(
                "handshake limit reached: the session cookie could not be refreshed; rendering \
                 signed out"
            );
            request.extensions_mut().insert(HandshakeExhausted);
            next.run(request).await
        }
        Start::Impossible => next.run(request).await,
    }
}

fn log(failure: &AuthFailure) {
    match failure {
        AuthFailure::Rejected(rejection) => {
            tracing::info!(
                reason = rejection.reason(),
                "session token refused: {rejection}"
            );
        }
        AuthFailure::Unavailable { detail, .. } => {
            tracing::warn!(%detail, "cannot authenticate: a dependency is unavailable");
        }
        AuthFailure::Internal(detail) => tracing::error!(%detail, "authentication failed"),
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Whether a cookie-authenticated write may proceed: its origin is listed in
/// `CLERK_AUTHORIZED_PARTIES`, or it is this site's own origin, scheme included.
///
/// - The origin is `Origin`, else the `Referer`'s origin. Neither means refused: browsers
///   send `Origin` on every POST, so only non-browser clients omit it, and those use the
///   `Authorization` header, not cookies. `Origin: null` (sandboxed frames, `data:` pages,
///   some redirects) is refused outright, never rescued by a `Referer`.
/// - `Sec-Fetch-Site`, when the browser sends it, must say `same-origin` for an unlisted
///   origin: it cannot be forged by page script and also covers what `Origin` hides.
/// - `own` is the site's origin as the browser addressed it ([`BrowserOrigin`]: the scheme a
///   trusted proxy reports, else `http`; `Host` or HTTP/2's `:authority`). So
///   `https://host` writing to a plain-HTTP `host` is a foreign origin.
pub(crate) fn origin_allowed(headers: &HeaderMap, own: Option<&str>, allowed: &[String]) -> bool {
    let origin = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok("null") | Err(_)) => return false,
        Some(Ok(origin)) => normalised_origin(origin),
        None => headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(normalised_origin),
    };
    let Some(origin) = origin else {
        return false;
    };
    if allowed.contains(&origin) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site")
        && site.as_bytes() != b"same-origin"
    {
        return false;
    }
    own == Some(origin.as_str())
}

/// Scheme, host and port, lower-cased, default port dropped: `None` for anything else.
fn normalised_origin(raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Uri};

    use super::*;
    use crate::http::TrustedProxies;

    /// As the layer asks it, for a request from a trusted proxy (so `X-Forwarded-Proto`
    /// counts; which peers are believed is `crate::http::origin`'s to test).
    fn allowed(h: &HeaderMap, list: &[String]) -> bool {
        let proxies = TrustedProxies::parse("10.0.0.1").unwrap();
        let own = BrowserOrigin::resolve(
            h,
            &Uri::from_static("/"),
            Some("10.0.0.1".parse().unwrap()),
            &proxies,
        )
        .origin();
        origin_allowed(h, own.as_deref(), list)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn same_origin_writes_are_allowed() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(allowed(&h, &[]));
        let h = headers(&[
            ("host", "app.example.com"),
            ("origin", "https://app.example.com"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(allowed(&h, &[]));
    }

    #[test]
    fn foreign_origins_are_refused_unless_listed() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!allowed(&h, &[]));
        assert!(allowed(&h, &["https://evil.example".into()]));
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:4000"),
        ]);
        assert!(!allowed(&h, &[]), "another port is another origin");
    }

    #[test]
    fn the_referer_stands_in_for_a_missing_origin() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("referer", "http://127.0.0.1:3000/dashboard"),
        ]);
        assert!(allowed(&h, &[]));
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("referer", "https://evil.example/x"),
        ]);
        assert!(!allowed(&h, &[]));
    }

    #[test]
    fn a_null_origin_is_refused_even_beside_a_same_origin_referer() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "null"),
            ("referer", "http://127.0.0.1:3000/dashboard"),
        ]);
        assert!(!allowed(&h, &[]));
    }

    #[test]
    fn an_origin_with_another_scheme_is_another_origin() {
        let h = headers(&[
            ("host", "app.example.com"),
            ("origin", "http://app.example.com"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(!allowed(&h, &[]), "http page writing to the https site");
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://127.0.0.1:3000"),
        ]);
        assert!(!allowed(&h, &[]), "https page writing to the http site");
        let h = headers(&[
            ("host", "app.example.com"),
            ("origin", "https://app.example.com"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(allowed(&h, &[]));
    }

    #[test]
    fn sec_fetch_site_other_than_same_origin_is_refused_unless_listed() {
        for site in ["cross-site", "same-site", "none"] {
            let h = headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000"),
                ("sec-fetch-site", site),
            ]);
            assert!(!allowed(&h, &[]), "{site}");
        }
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://app.example.com"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(allowed(&h, &["https://app.example.com".into()]));
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(allowed(&h, &[]));
    }

    #[test]
    fn no_origin_at_all_or_a_null_origin_is_refused() {
        assert!(!allowed(&headers(&[("host", "127.0.0.1:3000")]), &[]));
        let h = headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]);
        assert!(!allowed(&h, &[]));
    }
}
