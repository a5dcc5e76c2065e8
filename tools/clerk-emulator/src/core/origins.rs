//! The origins the emulator accepts besides its own: for redirects, CORS with credentials and
//! the `azp` of tokens.

use url::Url;

use super::Emulator;
use super::locks::{read, write};
use crate::EmulatorError;

impl Emulator {
    /// Also accept redirects to, requests from (CORS, with credentials) and `azp`s for this
    /// origin, e.g. the app's `http://localhost:3000` when the emulator runs standalone.
    pub fn allow_origin(&self, origin: &str) -> Result<(), EmulatorError> {
        let parsed = Url::parse(origin)
            .map_err(|e| EmulatorError::Config(format!("allowed origin {origin:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.path() != "/" {
            return Err(EmulatorError::Config(format!(
                "allowed origin {origin:?} must be scheme://host[:port] with nothing after it"
            )));
        }
        let origin = parsed.origin().ascii_serialization();
        let mut allowed = write(&self.inner.allowed_origins);
        if !allowed.contains(&origin) {
            allowed.push(origin);
        }
        Ok(())
    }

    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        origin == self.inner.origin
            || read(&self.inner.allowed_origins)
                .iter()
                .any(|o| o == origin)
            || same_loopback_server(&self.inner.base_url, origin)
    }

    pub(crate) fn allowed_origins(&self) -> Vec<String> {
        let mut all = vec![self.inner.origin.clone()];
        all.extend(read(&self.inner.allowed_origins).iter().cloned());
        all
    }
}

/// `http://localhost:3000` and `http://127.0.0.1:3000` are the same server: a developer who
/// browses the app under either name must not be refused as a foreign origin.
fn same_loopback_server(base_url: &Url, origin: &str) -> bool {
    let is_loopback = |url: &Url| match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    Url::parse(origin).is_ok_and(|other| {
        other.scheme() == base_url.scheme()
            && other.port_or_known_default() == base_url.port_or_known_default()
            && is_loopback(&other)
            && is_loopback(base_url)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_of_the_same_port_are_one_server() {
        let base = Url::parse("http://127.0.0.1:3000/__clerk").expect("url");
        assert!(same_loopback_server(&base, "http://localhost:3000"));
        assert!(same_loopback_server(&base, "http://[::1]:3000"));
        assert!(!same_loopback_server(&base, "http://localhost:3001"));
        assert!(!same_loopback_server(&base, "https://localhost:3000"));
        assert!(!same_loopback_server(&base, "http://evil.example:3000"));
        let public = Url::parse("http://dev.example.com:3000").expect("url");
        assert!(!same_loopback_server(&public, "http://localhost:3000"));
    }
}
