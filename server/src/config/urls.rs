//! The URL rules shared by the configuration's readers: an http(s) URL with a host, a URL the
//! secret key may be sent to, a browser origin.

use url::Url;

/// An absolute http or https URL with a host.
pub(super) fn http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|_| "is not a URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http(s) URL with a host".into());
    }
    Ok(url)
}

/// A URL the secret key is sent to: https, or plain http on a loopback address only (the
/// emulator and local mocks), so that the key never crosses a network in clear text.
pub(super) fn secret_bearing_url(raw: &str) -> Result<Url, String> {
    let url = http_url(raw)?;
    if url.scheme() == "https" || is_loopback(&url) {
        Ok(url)
    } else {
        Err("must be an https URL (plain http is allowed on loopback addresses only)".into())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// An origin as browsers send it: scheme, host and optional port, nothing else.
pub(super) fn origin(raw: &str) -> Result<String, String> {
    let url = http_url(raw).map_err(|p| format!("`{raw}` {p}"))?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{raw}` is not an origin (scheme://host[:port], no path)"
        ));
    }
    Ok(url.origin().ascii_serialization())
}
