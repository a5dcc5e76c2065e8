//! One proxied request: the request as the Frontend API gets it, and its answer as the
//! browser gets it.

use std::sync::Arc;

use axum::{
    body::{Body, HttpBody},
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Uri, header},
    response::{IntoResponse, Response},
};
use http_body_util::{LengthLimitError, Limited};
use url::Url;

use super::{Failure, FrontendApiProxy};
use crate::http::BrowserOrigin;

/// Hop-by-hop headers (RFC 9110 §7.6.1, and the ones Clerk's proxy lists); every `Proxy-*`
/// and whatever `Connection` names are hop-by-hop too.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    // Not in RFC 9110, but what old clients send instead of `Connection`.
    "proxy-connection",
];

/// Request headers the proxy says itself, whatever the client sent: where the request goes
/// and for whom (the client's own say on its address is never believed), and Clerk's.
const REPLACED: [&str; 13] = [
    "host",
    "accept-encoding",
    "clerk-proxy-url",
    "clerk-secret-key",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-real-ip",
    "cf-connecting-ip",
    "true-client-ip",
];

pub(super) async fn forward(
    State(proxy): State<Arc<FrontendApiProxy>>,
    request: Request,
) -> Response {
    proxied(&proxy, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn proxied(proxy: &FrontendApiProxy, request: Request) -> Result<Response, Failure> {
    let origin = BrowserOrigin::of(&request);
    let proxy_url = format!("{}{}", origin.origin().ok_or(Failure::NoHost)?, proxy.path);
    let (parts, body) = request.into_parts();
    // Refused before anything goes upstream when the size is declared; a body without a
    // declared size is counted as it streams.
    if declared_length(&parts.headers).is_some_and(|length| length > proxy.body_limit as u64) {
        return Err(Failure::TooLarge);
    }
    let target = target_url(&proxy.upstream, &parts.uri);
    let headers = request_headers(&parts.headers, &origin, &proxy_url, &proxy.secret_key)?;
    let mut upstream = proxy.client.request(parts.method, target).headers(headers);
    if !body.is_end_stream() {
        // Past the limit the stream fails, so the upstream request is abandoned.
        let limited = Limited::new(body, proxy.body_limit);
        upstream = upstream.body(reqwest::Body::wrap_stream(
            Body::new(limited).into_data_stream(),
        ));
    }
    let response = match tokio::time::timeout(proxy.timeout, upstream.send()).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) if over_the_limit(&error) => return Err(Failure::TooLarge),
        Ok(Err(error)) if error.is_timeout() => {
            tracing::warn!(%error, "Frontend API proxy: upstream timed out");
            return Err(Failure::Timeout);
        }
        Ok(Err(error)) => {
            tracing::warn!(error = %error_chain(&error), "Frontend API proxy: upstream failed");
            return Err(Failure::Upstream);
        }
        Err(_) => {
            tracing::warn!(
                timeout_secs = proxy.timeout.as_secs(),
                "Frontend API proxy: no response head in time"
            );
            return Err(Failure::Timeout);
        }
    };
    Ok(to_browser(response, &proxy.upstream, &proxy_url))
}

/// Whether the upstream request failed because the body went past the proxy's limit.
fn over_the_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// reqwest's top error says only "error sending request"; the cause is below it.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The upstream URL: the Frontend API's base, the path under the mount path, the query. Built
/// by setting the path, never by joining: a path such as `/http://elsewhere/` must not pick
/// the host the secret key goes to.
fn target_url(upstream: &Url, uri: &Uri) -> Url {
    let mut url = upstream.clone();
    let base = upstream.path().trim_end_matches('/');
    let rest = match uri.path() {
        "" => "/",
        path => path,
    };
    url.set_path(&format!("{base}{rest}"));
    url.set_query(uri.query());
    url
}

fn connection_named(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect()
}

fn is_hop_by_hop(name: &HeaderName, named: &[HeaderName]) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
        || name.as_str().starts_with("proxy-")
        || named.contains(name)
}

fn request_headers(
    incoming: &HeaderMap,
    origin: &BrowserOrigin,
    proxy_url: &str,
    secret_key: &HeaderValue,
) -> Result<HeaderMap, Failure> {
    let named = connection_named(incoming);
    let mut headers = HeaderMap::with_capacity(incoming.len() + 6);
    let mut cookies = Vec::new();
    for (name, value) in incoming {
        if is_hop_by_hop(name, &named) || REPLACED.contains(&name.as_str()) {
            continue;
        }
        if name == header::COOKIE {
            cookies.push(value.as_bytes());
            continue;
        }
        headers.append(name.clone(), value.clone());
    }
    // HTTP/2 may split cookies over several lines; HTTP/1.1 upstream wants one (RFC 9113
    // §8.2.3). The values themselves pass untouched.
    if !cookies.is_empty() {
        let joined = cookies.join(&b"; "[..]);
        let value = HeaderValue::from_bytes(&joined).map_err(|_| Failure::Upstream)?;
        headers.insert(header::COOKIE, value);
    }
    let proxy_url = HeaderValue::from_str(proxy_url).map_err(|_| Failure::NoHost)?;
    headers.insert(HeaderName::from_static("clerk-proxy-url"), proxy_url);
    headers.insert(
        HeaderName::from_static("clerk-secret-key"),
        secret_key.clone(),
    );
    // Bodies pass through as they are; the app's own compression serves the browser.
    headers.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    if let Some(host) = origin.host().and_then(|h| HeaderValue::from_str(h).ok()) {
        headers.insert(HeaderName::from_static("x-forwarded-host"), host);
    }
    let proto = if origin.is_https() { "https" } else { "http" };
    headers.insert(
        HeaderName::from_static("x-forwarded-proto"),
        HeaderValue::from_static(proto),
    );
    if let Some(client) = origin.client()
        && let Ok(value) = HeaderValue::from_str(&client.to_canonical().to_string())
    {
        headers.insert(HeaderName::from_static("x-forwarded-for"), value);
    }
    Ok(headers)
}

/// The upstream answer for the browser: status, headers but hop-by-hop ones (every line of
/// each, so several `Set-Cookie` stay several), `Location` through the proxy, body streamed.
fn to_browser(upstream: reqwest::Response, base: &Url, proxy_url: &str) -> Response {
    let upstream = axum::http::Response::<reqwest::Body>::from(upstream);
    let (parts, body) = upstream.into_parts();
    let named = connection_named(&parts.headers);
    let mut headers = HeaderMap::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        if !is_hop_by_hop(name, &named) {
            headers.append(name.clone(), value.clone());
        }
    }
    let rewritten = headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|location| rewrite_location(location, base, proxy_url));
    if let Some(location) = rewritten {
        headers.insert(header::LOCATION, location);
    }
    let mut response = Response::new(Body::new(body));
    *response.status_mut() = parts.status;
    *response.headers_mut() = headers;
    response
}

/// A `Location` on the Frontend API (absolute, or relative to it: `/v1/…`) goes through the
/// proxy; any other (the app's own `redirect_url`) is left alone.
fn rewrite_location(location: &str, base: &Url, proxy_url: &str) -> Option<HeaderValue> {
    let resolved = base.join(location).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let base_path = base.path().trim_end_matches('/');
    let path = resolved
        .path()
        .strip_prefix(base_path)
        .filter(|rest| rest.starts_with('/'))?;
    let mut rewritten = format!("{proxy_url}{path}");
    if let Some(query) = resolved.query() {
        rewritten.push('?');
        rewritten.push_str(query);
    }
    if let Some(fragment) = resolved.fragment() {
        rewritten.push('#');
        rewritten.push_str(fragment);
    }
    HeaderValue::from_str(&rewritten).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn the_target_keeps_the_upstream_host_whatever_the_path_says() {
        let upstream = url("https://clerk.example.com/");
        for (path, expected) in [
            ("/v1/client?a=1", "https://clerk.example.com/v1/client?a=1"),
            ("/", "https://clerk.example.com/"),
            (
                "/http://evil.example/x",
                "https://clerk.example.com/http://evil.example/x",
            ),
            (
                "//evil.example/x",
                "https://clerk.example.com//evil.example/x",
            ),
            ("/v1/../../x", "https://clerk.example.com/x"),
        ] {
            let target = target_url(&upstream, &path.parse().unwrap());
            assert_eq!(target.as_str(), expected, "{path}");
            assert_eq!(target.host_str(), Some("clerk.example.com"));
        }
        let nested = target_url(&url("http://127.0.0.1:9/fapi/"), &"/v1/x".parse().unwrap());
        assert_eq!(nested.as_str(), "http://127.0.0.1:9/fapi/v1/x");
    }

    #[test]
    fn locations_on_the_frontend_api_go_through_the_proxy_and_others_are_left() {
        let base = url("https://clerk.example.com/");
        let proxy = "https://app.example.com/__clerk";
        let rewrite = |location| {
            rewrite_location(location, &base, proxy).map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            rewrite("https://clerk.example.com/v1/client/handshake?x=1#f").as_deref(),
            Some("https://app.example.com/__clerk/v1/client/handshake?x=1#f")
        );
        assert_eq!(
            rewrite("/v1/oauth_callback").as_deref(),
            Some("https://app.example.com/__clerk/v1/oauth_callback")
        );
        assert_eq!(
            rewrite("https://app.example.com/dashboard?__clerk_handshake=x"),
            None
        );
        assert_eq!(rewrite("http://clerk.example.com/v1/x"), None);
        assert_eq!(rewrite("https://accounts.google.com/o/oauth2"), None);
    }

    #[test]
    fn hop_by_hop_includes_what_connection_names_and_every_proxy_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, X-Secret-Hop"),
        );
        let named = connection_named(&headers);
        for hop in [
            "x-secret-hop",
            "proxy-authorization",
            "keep-alive",
            "te",
            "upgrade",
        ] {
            assert!(
                is_hop_by_hop(&HeaderName::from_static(hop), &named),
                "{hop}"
            );
        }
        assert!(!is_hop_by_hop(&header::COOKIE, &named));
    }
}
