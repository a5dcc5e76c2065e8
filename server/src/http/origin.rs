//! Which origin and URL the browser used, and which address it came from: the one answer the
//! CSRF check, the handshake's return URL and HSTS all ask for.
//!
//! - From a peer that is not in `TRUSTED_PROXIES`, every forwarded header is ignored: the
//!   scheme is `http` (this server speaks plain HTTP; TLS ends in a proxy), the host is the
//!   request's own (`:authority` in HTTP/2, which has no `Host`; an absolute-form target in
//!   HTTP/1.1; else `Host`), and the client is the peer.
//! - From a trusted proxy, the `X-Forwarded-For`/`-Proto`/`-Host` family is believed when any
//!   of it is present (what nginx sets), else RFC 7239's `Forwarded`. The client is the
//!   right-most hop that is not itself a trusted proxy: every hop left of it could have been
//!   written by the client. The proxy must set (overwrite) the headers of the family it uses.
//!
//! [`resolve_origin`] works this out once per request, before the request span is opened (so
//! that the span carries the client address), and leaves it in the request's extensions.

use std::{net::IpAddr, net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, Uri, header, uri::Authority},
    middleware::Next,
    response::Response,
};
use url::Url;

use super::proxies::TrustedProxies;

/// The origin the browser sent a request to, and the client it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BrowserOrigin {
    https: bool,
    /// `host[:port]` as the browser addressed it; `None` when the request did not say.
    host: Option<String>,
    /// The client's address: the peer, or the right-most untrusted hop behind a trusted proxy.
    client: Option<IpAddr>,
}

impl BrowserOrigin {
    /// Works the origin out from the request's headers, target and peer address.
    pub(crate) fn resolve(
        headers: &HeaderMap,
        uri: &Uri,
        peer: Option<IpAddr>,
        proxies: &TrustedProxies,
    ) -> Self {
        let own_host = uri
            .authority()
            .map(Authority::as_str)
            .or_else(|| headers.get(header::HOST)?.to_str().ok())
            .and_then(valid_host);
        let Some(peer) = peer.filter(|peer| proxies.contains(*peer)) else {
            return Self {
                https: false,
                host: own_host,
                client: peer,
            };
        };
        // A proxy speaking HTTP/2 to us says the browser's scheme in `:scheme`.
        let own_https = uri.scheme_str() == Some("https");
        let forwarded = if has_x_forwarded(headers) {
            x_forwarded(headers, proxies)
        } else {
            rfc7239_forwarded(headers, proxies)
        };
        let Some(hop) = forwarded else {
            return Self {
                https: own_https,
                host: own_host,
                client: Some(peer),
            };
        };
        Self {
            https: hop.proto.map_or(own_https, |proto| proto == Proto::Https),
            host: hop.host.or(own_host),
            client: hop.client.or(Some(peer)).filter(|_| !hop.client_unknown),
        }
    }

    /// The origin [`resolve_origin`] left on the request; worked out from the request alone
    /// (no peer, so no proxy is trusted) when it did not run.
    pub(crate) fn of(request: &Request) -> Self {
        request
            .extensions()
            .get::<Self>()
            .cloned()
            .unwrap_or_else(|| {
                Self::resolve(
                    request.headers(),
                    request.uri(),
                    None,
                    &TrustedProxies::none(),
                )
            })
    }

    pub(crate) fn is_https(&self) -> bool {
        self.https
    }

    pub(crate) fn client(&self) -> Option<IpAddr> {
        self.client
    }

    /// `host[:port]` as the browser addressed it, lower-cased.
    pub(crate) fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// `scheme://host[:port]`, lower-cased, default port dropped, as browsers write `Origin`.
    pub(crate) fn origin(&self) -> Option<String> {
        let url = self.url(&Uri::from_static("/"))?;
        Some(url.origin().ascii_serialization())
    }

    /// The absolute URL of `uri` (its path and query) on this origin.
    pub(crate) fn url(&self, uri: &Uri) -> Option<Url> {
        let host = self.host.as_deref()?;
        let scheme = if self.https { "https" } else { "http" };
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let url = Url::parse(&format!("{scheme}://{host}{path}")).ok()?;
        url.host_str().is_some().then_some(url)
    }
}

/// Resolves the [`BrowserOrigin`] of every request, from the peer axum's `ConnectInfo` holds.
pub(crate) async fn resolve_origin(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let origin = BrowserOrigin::resolve(request.headers(), request.uri(), peer, &proxies);
    request.extensions_mut().insert(origin);
    next.run(request).await
}

/// A host and optional port, nothing else (no user info, path or spaces).
fn valid_host(raw: &str) -> Option<String> {
    let authority: Authority = raw.trim().parse().ok()?;
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return None;
    }
    Some(authority.as_str().to_ascii_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Http,
    Https,
}

fn proto(raw: &str) -> Option<Proto> {
    let raw = raw.trim().trim_matches('"');
    if raw.eq_ignore_ascii_case("https") {
        Some(Proto::Https)
    } else if raw.eq_ignore_ascii_case("http") {
        Some(Proto::Http)
    } else {
        None
    }
}

/// What the proxy nearest the browser saw.
#[derive(Debug, Default)]
struct Hop {
    client: Option<IpAddr>,
    /// The client hop exists but names no address (`unknown`, an obfuscated name, garbage).
    client_unknown: bool,
    proto: Option<Proto>,
    host: Option<String>,
}

fn has_x_forwarded(headers: &HeaderMap) -> bool {
    ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"]
        .iter()
        .any(|name| headers.contains_key(*name))
}

/// Every comma-separated item of every line of a header, left to right.
fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// The right-most untrusted entry of a hop list (right is nearest to us), or the left-most
/// when every hop is a trusted proxy; `None` for an empty list. Unparseable entries count as
/// untrusted: they end the walk.
fn client_hop<T>(
    hops: &[T],
    ip: impl Fn(&T) -> Option<IpAddr>,
    proxies: &TrustedProxies,
) -> Option<usize> {
    let last = hops.len().checked_sub(1)?;
    let index = (0..=last)
        .rev()
        .find(|&i| !ip(&hops[i]).is_some_and(|ip| proxies.contains(ip)))
        .unwrap_or(0);
    Some(index)
}

fn x_forwarded(headers: &HeaderMap, proxies: &TrustedProxies) -> Option<Hop> {
    let hops = list(headers, "x-forwarded-for");
    let mut hop = Hop::default();
    if let Some(index) = client_hop(&hops, |entry| node_ip(entry), proxies) {
        hop.client = node_ip(&hops[index]);
        hop.client_unknown = hop.client.is_none();
    }
    // The right-most value is the one the proxy talking to us wrote.
    hop.proto = list(headers, "x-forwarded-proto")
        .last()
        .and_then(|v| proto(v));
    hop.host = list(headers, "x-forwarded-host")
        .last()
        .and_then(|v| valid_host(v));
    Some(hop)
}

/// One element of a `Forwarded` header: `for=…;proto=…;host=…;by=…`.
#[derive(Debug, Default)]
struct Element {
    for_node: Option<String>,
    proto: Option<String>,
    host: Option<String>,
}

fn rfc7239_forwarded(headers: &HeaderMap, proxies: &TrustedProxies) -> Option<Hop> {
    let elements: Vec<Element> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(elements)
        .collect();
    let index = client_hop(
        &elements,
        |e| e.for_node.as_deref().and_then(node_ip),
        proxies,
    )?;
    // The element whose `for` is the client was written by the proxy the browser talked to:
    // its `proto` and `host` are what the browser used.
    let element = &elements[index];
    let client = element.for_node.as_deref().and_then(node_ip);
    Some(Hop {
        client,
        client_unknown: client.is_none(),
        proto: element.proto.as_deref().and_then(proto),
        host: element.host.as_deref().and_then(valid_host),
    })
}

/// Splits a `Forwarded` value into elements (`,`) of pairs (`;`), outside quoted strings.
fn elements(value: &str) -> Vec<Element> {
    let mut out = Vec::new();
    for element in split_unquoted(value, ',') {
        let mut parsed = Element::default();
        for pair in split_unquoted(element, ';') {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let value = unquote(value.trim());
            match name.trim().to_ascii_lowercase().as_str() {
                "for" => parsed.for_node = Some(value),
                "proto" => parsed.proto = Some(value),
                "host" => parsed.host = Some(value),
                _ => {}
            }
        }
        out.push(parsed);
    }
    out
}

fn split_unquoted(value: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(value[start..i].trim());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(value[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_owned(),
    }
}

/// The address of a hop: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn node_ip(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse::<SocketAddr>().ok().map(|addr| addr.ip())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(raw: &str) -> TrustedProxies {
        TrustedProxies::parse(raw).unwrap()
    }

    fn resolve(pairs: &[(&'static str, &str)], peer: &str, trusted: &str) -> BrowserOrigin {
        BrowserOrigin::resolve(
            &headers(pairs),
            &Uri::from_static("/page?q=1"),
            Some(ip(peer)),
            &proxies(trusted),
        )
    }

    const FORWARDED_HEADERS: [(&str, &str); 3] = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "app.example.com"),
        ("x-forwarded-for", "203.0.113.9"),
    ];

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let mut pairs = vec![("host", "internal:3000")];
        pairs.extend(FORWARDED_HEADERS);
        pairs.push((
            "forwarded",
            "for=198.51.100.1;proto=https;host=evil.example",
        ));
        for trusted in ["", "10.0.0.0/8"] {
            let origin = resolve(&pairs, "192.0.2.7", trusted);
            assert_eq!(origin.origin().as_deref(), Some("http://internal:3000"));
            assert!(!origin.is_https());
            assert_eq!(origin.client(), Some(ip("192.0.2.7")));
        }
    }

    #[test]
    fn x_forwarded_headers_from_a_trusted_peer_are_used() {
        let mut pairs = vec![("host", "internal:3000")];
        pairs.extend(FORWARDED_HEADERS);
        let origin = resolve(&pairs, "10.0.0.2", "10.0.0.0/8");
        assert_eq!(origin.origin().as_deref(), Some("https://app.example.com"));
        assert!(origin.is_https());
        assert_eq!(origin.client(), Some(ip("203.0.113.9")));
        assert_eq!(
            origin.url(&Uri::from_static("/a?b=1")).unwrap().as_str(),
            "https://app.example.com/a?b=1"
        );
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        // The client wrote the first two entries itself; the edge proxy appended its peer,
        // an inner proxy appended the edge proxy.
        let pairs = [
            ("host", "internal"),
            ("x-forwarded-for", "1.1.1.1, 2.2.2.2"),
            ("x-forwarded-for", "203.0.113.9, 10.0.0.3"),
        ];
        let origin = resolve(&pairs, "10.0.0.2", "10.0.0.0/8");
        assert_eq!(origin.client(), Some(ip("203.0.113.9")));
        // Only trusted hops: the left-most is as far as anyone can tell.
        let pairs = [
            ("host", "internal"),
            ("x-forwarded-for", "10.0.0.9, 10.0.0.3"),
        ];
        let origin = resolve(&pairs, "10.0.0.2", "10.0.0.0/8");
        assert_eq!(origin.client(), Some(ip("10.0.0.9")));
        // A hop that is no address ends the walk: the client is unknown, not the one before.
        let pairs = [
            ("host", "internal"),
            ("x-forwarded-for", "1.1.1.1, unknown"),
        ];
        assert_eq!(resolve(&pairs, "10.0.0.2", "10.0.0.0/8").client(), None);
    }

    #[test]
    fn rfc_7239_forwarded_from_a_trusted_peer_is_used() {
        let pairs = [
            ("host", "internal"),
            (
                "forwarded",
                "for=1.1.1.1;proto=http;host=spoofed.example, for=\"[2001:db8::7]:4711\";proto=https;host=App.Example.com",
            ),
            ("forwarded", "for=10.0.0.3;proto=http;host=internal"),
        ];
        let origin = resolve(&pairs, "10.0.0.2", "10.0.0.0/8");
        assert_eq!(origin.client(), Some(ip("2001:db8::7")));
        assert_eq!(origin.origin().as_deref(), Some("https://app.example.com"));
    }

    #[test]
    fn the_x_forwarded_family_wins_over_forwarded() {
        // nginx sets X-Forwarded-* and passes a client's `Forwarded` through untouched.
        let pairs = [
            ("host", "internal"),
            (
                "forwarded",
                "for=198.51.100.1;proto=https;host=evil.example",
            ),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "http"),
        ];
        let origin = resolve(&pairs, "10.0.0.2", "10.0.0.2");
        assert_eq!(origin.origin().as_deref(), Some("http://internal"));
        assert_eq!(origin.client(), Some(ip("203.0.113.9")));
    }

    #[test]
    fn a_trusted_peer_without_forwarded_headers_is_the_client() {
        let origin = resolve(
            &[("host", "internal:8080")],
            "::ffff:10.0.0.2",
            "10.0.0.0/8",
        );
        assert_eq!(origin.origin().as_deref(), Some("http://internal:8080"));
        assert_eq!(origin.client(), Some(ip("::ffff:10.0.0.2")));
    }

    #[test]
    fn the_authority_of_the_target_stands_in_for_a_missing_host() {
        // HTTP/2 has no `Host`: hyper puts `:scheme` and `:authority` into the target.
        let uri: Uri = "https://app.example.com:8443/x".parse().unwrap();
        let untrusted = BrowserOrigin::resolve(
            &HeaderMap::new(),
            &uri,
            Some(ip("192.0.2.1")),
            &TrustedProxies::none(),
        );
        assert_eq!(
            untrusted.origin().as_deref(),
            Some("http://app.example.com:8443"),
            "an untrusted peer's `:scheme` is not believed"
        );
        let trusted = BrowserOrigin::resolve(
            &HeaderMap::new(),
            &uri,
            Some(ip("10.0.0.2")),
            &proxies("10.0.0.2"),
        );
        assert_eq!(
            trusted.origin().as_deref(),
            Some("https://app.example.com:8443")
        );
    }

    #[test]
    fn default_ports_are_dropped_and_hosts_lower_cased() {
        let origin = resolve(
            &[
                ("host", "App.Example.com:443"),
                ("x-forwarded-proto", "https"),
            ],
            "10.0.0.2",
            "10.0.0.2",
        );
        assert_eq!(origin.origin().as_deref(), Some("https://app.example.com"));
    }

    #[test]
    fn a_malformed_host_gives_no_origin() {
        for host in ["user@evil.example", "a b", "/path", ""] {
            let origin = resolve(&[("host", host)], "192.0.2.1", "");
            assert_eq!(origin.origin(), None, "{host}");
        }
        let origin = resolve(
            &[
                ("host", "internal"),
                ("x-forwarded-host", "user@evil.example"),
            ],
            "10.0.0.2",
            "10.0.0.2",
        );
        assert_eq!(origin.origin().as_deref(), Some("http://internal"));
    }

    #[test]
    fn an_unknown_proto_falls_back_to_the_request_scheme() {
        let origin = resolve(
            &[("host", "internal"), ("x-forwarded-proto", "wss")],
            "10.0.0.2",
            "10.0.0.2",
        );
        assert!(!origin.is_https());
    }
}
