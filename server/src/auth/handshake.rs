//! Clerk's handshake, the server's half (as `@clerk/backend` does it in `tokens/request.ts`
//! and `handshake.ts`).
//!
//! Session tokens live 60 s, so most page loads carry an expired `__session` cookie. A
//! document navigation (never `fetch`/XHR: those get 401) whose cookie token is expired,
//! stale or missing while `__client_uat` says the browser is signed in is redirected (307) to
//! the Frontend API's `/v1/client/handshake?redirect_url=<this URL>`. Clerk knows the browser
//! by its own cookie there and redirects back with `__clerk_handshake=<JWT>`, signed by the
//! instance key, whose `handshake` claim lists `Set-Cookie` values. This side verifies the
//! JWT with the instance's keys, sets those cookies and redirects (307) to the same URL
//! without the handshake parameters; that request carries a fresh token, and its first paint
//! is signed in.
//!
//! Loop protection as Clerk's: every handshake redirect sets `__clerk_redirect_count` (one
//! more than the request carried, `Max-Age=2`); at 3 the request goes on signed out instead
//! ([`HandshakeExhausted`](app::auth::HandshakeExhausted)), so a Frontend API that keeps
//! handing out useless tokens costs three round trips, never a loop.

use app::{auth::cookie, redirect::same_site_target_or};
use axum::{
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use url::Url;

use crate::http::BrowserOrigin;

/// The query parameter the Frontend API returns the payload in.
pub(crate) const HANDSHAKE_PARAM: &str = "__clerk_handshake";
/// Clerk's other handshake parameters, dropped from the URL with it.
const HANDSHAKE_PARAMS: [&str; 4] = [
    HANDSHAKE_PARAM,
    "__clerk_help",
    "__clerk_handshake_nonce",
    "__clerk_db_jwt",
];
pub(crate) const REDIRECT_COUNT_COOKIE: &str = "__clerk_redirect_count";
/// Clerk's limit: the fourth handshake in a row is not attempted.
pub(crate) const MAX_HANDSHAKES: u32 = 3;

/// Where the Frontend API is, for the handshake redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrontendApi {
    /// Proxy mode: a path on the app's own origin (`/__clerk`), resolved per request: the
    /// emulator's, or the Frontend API proxy's (`CLERK_FRONTEND_API_PROXY=on`).
    Proxy(String),
    /// An absolute base ending in `/`: Clerk's host (from the publishable key, or
    /// `CLERK_FRONTEND_API_URL`), e.g. `https://clerk.example.com/`, or a proxy living
    /// elsewhere (an absolute `CLERK_PROXY_URL`).
    Url(Url),
}

#[derive(Debug, Clone)]
pub struct Handshake {
    frontend_api: FrontendApi,
    cookie_suffix: String,
    /// A development instance (`pk_test_`): its Frontend API knows the browser only by the
    /// dev-browser token (`__clerk_db_jwt`), which the handshake URL must carry.
    development: bool,
}

/// What a request that needs the handshake gets.
#[derive(Debug)]
pub(crate) enum Start {
    /// The 307 to the Frontend API.
    Redirect(Response),
    /// Three handshakes in a row already: the request counts as signed out.
    LimitReached,
    /// No handshake can help this request (a development instance without a dev-browser
    /// token, or no usable URL): it goes on as before, and clerk-js refreshes the cookie.
    Impossible,
}

/// Why a request was sent to the handshake (Clerk's `__clerk_hs_reason` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandshakeReason {
    TokenOutdated,
    UatWithoutToken,
}

impl HandshakeReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::TokenOutdated => "session-token-outdated",
            Self::UatWithoutToken => "client-uat-but-no-session-token",
        }
    }
}

/// A document navigation, as Clerk tells one: `GET` with `Sec-Fetch-Dest: document` (or
/// `iframe`), or with no `Sec-Fetch-Dest` at all and `Accept: text/html…`. A form `POST` is a
/// document too, but the Frontend API only takes `GET`s.
pub(crate) fn is_document_request(method: &Method, headers: &HeaderMap) -> bool {
    if method != Method::GET {
        return false;
    }
    match headers.get("sec-fetch-dest").map(HeaderValue::as_bytes) {
        Some(b"document" | b"iframe") => true,
        Some(_) => false,
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.starts_with("text/html")),
    }
}

/// The handshakes in a row so far, from Clerk's counter cookie.
pub(crate) fn redirect_count(headers: &HeaderMap) -> u32 {
    cookie(headers, REDIRECT_COUNT_COOKIE)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The handshake payload in the URL, if this request is coming back from the Frontend API.
pub(crate) fn payload(uri: &Uri) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(name, _)| name == HANDSHAKE_PARAM)
        .map(|(_, value)| value.into_owned())
}

impl Handshake {
    pub(crate) fn new(
        frontend_api: FrontendApi,
        cookie_suffix: impl Into<String>,
        development: bool,
    ) -> Self {
        Self {
            frontend_api,
            cookie_suffix: cookie_suffix.into(),
            development,
        }
    }

    /// The 307 to the Frontend API, counting this handshake (see [`Start`]).
    pub(crate) fn start(
        &self,
        headers: &HeaderMap,
        origin: &BrowserOrigin,
        uri: &Uri,
        reason: HandshakeReason,
    ) -> Start {
        if redirect_count(headers) >= MAX_HANDSHAKES {
            return Start::LimitReached;
        }
        self.redirect(headers, origin, uri, reason)
            .map_or(Start::Impossible, Start::Redirect)
    }

    fn redirect(
        &self,
        headers: &HeaderMap,
        origin: &BrowserOrigin,
        uri: &Uri,
        reason: HandshakeReason,
    ) -> Option<Response> {
        let count = redirect_count(headers);
        let dev_browser = match self.development {
            true => Some(self.dev_browser_token(headers)?),
            false => None,
        };
        let here = own_url(origin, uri)?;
        let mut target = match &self.frontend_api {
            FrontendApi::Proxy(path) => here.join(&format!("{path}/v1/client/handshake")).ok()?,
            FrontendApi::Url(base) => base.join("v1/client/handshake").ok()?,
        };
        target
            .query_pairs_mut()
            .append_pair("redirect_url", here.as_str())
            .append_pair("suffixed_cookies", "true")
            .append_pair("__clerk_hs_reason", reason.as_str());
        if let Some(token) = dev_browser {
            target
                .query_pairs_mut()
                .append_pair("__clerk_db_jwt", token);
        }
        let mut response = redirect(target.as_str())?;
        let counter = format!(
            "{REDIRECT_COUNT_COOKIE}={}; Path=/; SameSite=Lax; HttpOnly; Max-Age=2",
            count + 1
        );
        if let Ok(value) = HeaderValue::from_str(&counter) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        Some(response)
    }

    /// The 307 back to the page without the handshake parameters, setting the verified
    /// payload's cookies (only Clerk's session cookies: the instance key signs what the
    /// Frontend API sends, but nothing else of this site's belongs in there).
    pub(crate) fn finish(&self, uri: &Uri, directives: &[String]) -> Response {
        // Path and query only, by the redirect rule: the redirect stays on whatever origin
        // the browser used.
        let mut response = redirect(&without_handshake_params(uri)).unwrap_or_else(redirect_home);
        for directive in directives {
            if !self.is_session_cookie(directive) {
                tracing::warn!("handshake cookie directive for another cookie ignored");
                continue;
            }
            if let Ok(value) = HeaderValue::from_str(directive) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }

    /// clerk-js keeps the dev-browser token in `__clerk_db_jwt` (suffixed first, as for the
    /// session cookies).
    fn dev_browser_token<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        cookie(headers, &format!("__clerk_db_jwt_{}", self.cookie_suffix))
            .or_else(|| cookie(headers, "__clerk_db_jwt"))
            .filter(|token| !token.is_empty())
    }

    fn is_session_cookie(&self, directive: &str) -> bool {
        let name = directive.split(['=', ';']).next().unwrap_or("").trim();
        let suffixed = |base: &str| {
            name == base
                || name
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .is_some_and(|rest| rest == self.cookie_suffix)
        };
        suffixed("__session") || suffixed("__client_uat") || suffixed("__refresh")
    }
}

fn redirect(location: &str) -> Option<Response> {
    let value = HeaderValue::from_str(location).ok()?;
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, value);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(response)
}

fn redirect_home() -> Response {
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/"));
    response
}

/// The absolute URL the browser asked for: scheme and host as the browser used them (behind
/// a trusted proxy, what it reports; else `http` and `Host` or HTTP/2's `:authority`).
fn own_url(origin: &BrowserOrigin, uri: &Uri) -> Option<Url> {
    origin.url(uri)
}

/// The page to return to: the request's path and query without the handshake parameters,
/// put through the app's redirect rule, so that a request path the browser would read as
/// another host (`//evil.example/`, `/\evil.example/`) returns to `/` instead.
fn without_handshake_params(uri: &Uri) -> String {
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(name, _)| !HANDSHAKE_PARAMS.contains(&name.as_ref()))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
    let candidate = match kept.is_empty() {
        true => uri.path().to_owned(),
        false => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(kept)
                .finish();
            format!("{}?{query}", uri.path())
        }
    };
    same_site_target_or(&candidate, "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn navigations_are_documents_and_fetches_are_not() {
        let get = Method::GET;
        assert!(is_document_request(
            &get,
            &headers(&[("sec-fetch-dest", "document")])
        ));
        assert!(is_document_request(
            &get,
            &headers(&[("sec-fetch-dest", "iframe")])
        ));
        assert!(is_document_request(
            &get,
            &headers(&[("accept", "text/html,*/*")])
        ));
        assert!(!is_document_request(
            &get,
            &headers(&[("sec-fetch-dest", "empty"), ("accept", "text/html")])
        ));
        assert!(!is_document_request(
            &get,
            &headers(&[("accept", "application/json")])
        ));
        assert!(!is_document_request(
            &Method::POST,
            &headers(&[("sec-fetch-dest", "document")])
        ));
    }

    #[test]
    fn the_handshake_parameters_leave_the_url_and_the_others_stay() {
        let uri: Uri = "/p?a=1&__clerk_handshake=x&b=2&__clerk_help=1"
            .parse()
            .unwrap();
        assert_eq!(without_handshake_params(&uri), "/p?a=1&b=2");
        let uri: Uri = "/p?__clerk_handshake=x".parse().unwrap();
        assert_eq!(without_handshake_params(&uri), "/p");
    }

    #[test]
    fn a_return_path_a_browser_reads_as_another_host_returns_home() {
        for target in [
            "//evil.example/?__clerk_handshake=x",
            "///evil.example/?__clerk_handshake=x",
            "/\\evil.example/?__clerk_handshake=x",
            "/a/..//evil.example/?__clerk_handshake=x",
        ] {
            let uri: Uri = target.parse().unwrap();
            assert_eq!(without_handshake_params(&uri), "/", "{target}");
        }
    }

    fn started(handshake: &Handshake, cookie: &str) -> Start {
        let headers = headers(&[("host", "app.test"), ("cookie", cookie)]);
        let uri: Uri = "/dashboard".parse().unwrap();
        let origin =
            BrowserOrigin::resolve(&headers, &uri, None, &crate::http::TrustedProxies::none());
        handshake.start(&headers, &origin, &uri, HandshakeReason::TokenOutdated)
    }

    fn location_of(start: Start) -> String {
        match start {
            Start::Redirect(response) => response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned(),
            other => panic!("expected a redirect, got {other:?}"),
        }
    }

    #[test]
    fn a_development_instance_sends_the_dev_browser_token_and_skips_without_one() {
        let api = FrontendApi::Url(Url::parse("https://x.clerk.accounts.dev/").unwrap());
        let dev = Handshake::new(api.clone(), "AbCd", true);
        assert!(matches!(started(&dev, "__client_uat=1"), Start::Impossible));
        let location = location_of(started(&dev, "__client_uat=1; __clerk_db_jwt_AbCd=dvb_1"));
        assert!(location.contains("__clerk_db_jwt=dvb_1"), "{location}");
        let live = Handshake::new(api, "AbCd", false);
        let location = location_of(started(&live, "__client_uat=1"));
        assert!(location.starts_with("https://x.clerk.accounts.dev/v1/client/handshake?"));
        assert!(!location.contains("__clerk_db_jwt"), "{location}");
    }

    #[test]
    fn at_three_handshakes_in_a_row_the_limit_is_reached() {
        let live = Handshake::new(FrontendApi::Proxy("/__clerk".into()), "AbCd", false);
        assert!(matches!(
            started(&live, "__clerk_redirect_count=3"),
            Start::LimitReached
        ));
        assert!(
            location_of(started(&live, "__clerk_redirect_count=2"))
                .starts_with("http://app.test/__clerk/")
        );
    }

    #[test]
    fn the_way_back_from_the_handshake_stays_on_this_site() {
        // Found by the `handshake` fuzz target: a request target that starts with `//` came
        // back as a scheme-relative Location, i.e. another host. The redirect rule refuses
        // such a target, and the way back is then the home page.
        let handshake = Handshake::new(FrontendApi::Proxy("/__clerk".into()), "AbCd", false);
        for (target, expected) in [
            ("//projects/3?__clerk_handshake=x", "/"),
            ("//evil.example/x?__clerk_handshake=x&a=1", "/"),
            ("/\\evil.example/x?__clerk_handshake=x", "/"),
            ("/projects/3?__clerk_handshake=x&a=1", "/projects/3?a=1"),
        ] {
            let uri: Uri = target.parse().unwrap();
            let response = handshake.finish(&uri, &[]);
            assert_eq!(response.headers()[header::LOCATION], expected, "{target}");
        }
    }

    #[test]
    fn only_clerks_session_cookies_are_applied() {
        let handshake = Handshake::new(FrontendApi::Proxy("/__clerk".into()), "AbCd", false);
        assert!(handshake.is_session_cookie("__session=x; Path=/"));
        assert!(handshake.is_session_cookie("__session_AbCd=x; Path=/"));
        assert!(handshake.is_session_cookie("__client_uat_AbCd=1; Path=/"));
        assert!(!handshake.is_session_cookie("__session_Other=x"));
        assert!(!handshake.is_session_cookie("theme=dark"));
        assert!(!handshake.is_session_cookie("__sessionx=1"));
    }
}
