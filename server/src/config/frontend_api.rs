//! Where the instance's Frontend API is, and the proxy in front of it: `CLERK_FRONTEND_API_URL`,
//! `CLERK_FRONTEND_API_PROXY`, `CLERK_PROXY_URL` (Clerk's own name), and the proxy's bounds.
//!
//! The proxy sends `Clerk-Secret-Key` upstream, so its upstream follows the rule of every URL
//! the secret travels to: https, plain http on loopback only.

use std::time::Duration;

use url::Url;

use super::{ConfigError, Source, number, urls::secret_bearing_url};

/// Where the proxy is mounted when `CLERK_PROXY_URL` does not say: Clerk's default.
pub(crate) const DEFAULT_PROXY_PATH: &str = "/__clerk";

/// `CLERK_PROXY_URL`: what the page hands clerk-js as `data-clerk-proxy-url`, and where the
/// handshake goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProxyUrl {
    /// A path on the app's own origin (`/__clerk`), without a trailing slash.
    Path(String),
    /// A proxy living elsewhere (a CDN worker): an absolute https URL.
    Url(Url),
}

impl ProxyUrl {
    /// The URL as the page writes it, without a trailing slash.
    pub(crate) fn as_page_value(&self) -> String {
        match self {
            Self::Path(path) => path.clone(),
            Self::Url(url) => url.as_str().trim_end_matches('/').to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FrontendApiConfig {
    /// `CLERK_FRONTEND_API_URL`: replaces `https://<host from the publishable key>`.
    pub(crate) url: Option<Url>,
    /// `CLERK_FRONTEND_API_PROXY`: serve the Frontend API under the proxy path.
    pub(crate) proxy: bool,
    /// `CLERK_PROXY_URL`, as given.
    pub(crate) proxy_url: Option<ProxyUrl>,
    /// `CLERK_FRONTEND_API_PROXY_TIMEOUT_SECS`: connect and response head.
    pub(crate) proxy_timeout: Duration,
    /// `CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES`: request bodies through the proxy.
    pub(crate) proxy_body_limit: usize,
}

impl FrontendApiConfig {
    pub(crate) const DEFAULT_TIMEOUT_SECS: u64 = 15;
    pub(crate) const DEFAULT_BODY_LIMIT_BYTES: usize = 1024 * 1024;

    pub(super) fn load(source: &impl Source) -> Result<Self, ConfigError> {
        let url = source
            .get("CLERK_FRONTEND_API_URL")
            .map(|raw| {
                frontend_api_url(&raw).map_err(|p| ConfigError::new("CLERK_FRONTEND_API_URL", p))
            })
            .transpose()?;
        let proxy = match source
            .get("CLERK_FRONTEND_API_PROXY")
            .as_deref()
            .map(str::trim)
        {
            None | Some("off") => false,
            Some("on") => true,
            Some(_) => {
                return Err(ConfigError::new(
                    "CLERK_FRONTEND_API_PROXY",
                    "must be on or off",
                ));
            }
        };
        let proxy_url = source
            .get("CLERK_PROXY_URL")
            .map(|raw| proxy_url(&raw).map_err(|p| ConfigError::new("CLERK_PROXY_URL", p)))
            .transpose()?;
        if proxy && let Some(ProxyUrl::Url(_)) = proxy_url {
            return Err(ConfigError::new(
                "CLERK_PROXY_URL",
                "must be a path such as /__clerk (or unset) with CLERK_FRONTEND_API_PROXY=on: \
                 this server mounts the proxy there; an absolute URL is for a proxy living \
                 elsewhere, with CLERK_FRONTEND_API_PROXY=off",
            ));
        }
        Ok(Self {
            url,
            proxy,
            proxy_url,
            proxy_timeout: Duration::from_secs(number(
                source,
                "CLERK_FRONTEND_API_PROXY_TIMEOUT_SECS",
                Self::DEFAULT_TIMEOUT_SECS,
                1..=300,
            )?),
            proxy_body_limit: number(
                source,
                "CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES",
                Self::DEFAULT_BODY_LIMIT_BYTES,
                1024..=64 * 1024 * 1024,
            )?,
        })
    }

    /// The proxy URL the page and the handshake use: `CLERK_PROXY_URL`, or the default path
    /// when this server runs the proxy.
    pub(crate) fn effective_proxy_url(&self) -> Option<ProxyUrl> {
        match (&self.proxy_url, self.proxy) {
            (Some(url), _) => Some(url.clone()),
            (None, true) => Some(ProxyUrl::Path(DEFAULT_PROXY_PATH.to_owned())),
            (None, false) => None,
        }
    }
}

/// https, or http on loopback (the secret key goes there); a base, so no query or fragment.
fn frontend_api_url(raw: &str) -> Result<Url, String> {
    let mut url = secret_bearing_url(raw)?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must be a base URL: no credentials, query or fragment".into());
    }
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

fn proxy_url(raw: &str) -> Result<ProxyUrl, String> {
    let raw = raw.trim();
    if raw.starts_with('/') {
        return proxy_path(raw).map(ProxyUrl::Path);
    }
    let url = Url::parse(raw).map_err(|_| {
        "must be a path starting with / (e.g. /__clerk) or an absolute https URL".to_owned()
    })?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err("must be a path starting with / or an absolute https URL".into());
    }
    // `Url` resolves dot segments; the raw text is what the operator meant.
    if raw.contains("..") || url.query().is_some() || url.fragment().is_some() {
        return Err("must not contain `..`, a query or a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    Ok(ProxyUrl::Url(url))
}

/// A mount path on this server: plain segments, not the root, not where the app's API or
/// built assets live. The trailing slash is dropped.
fn proxy_path(raw: &str) -> Result<String, String> {
    let path = raw.trim_end_matches('/');
    if path.is_empty() {
        return Err("must not be / (the proxy needs a path of its own, e.g. /__clerk)".into());
    }
    if path.contains('?') || path.contains('#') {
        return Err("must be a path without a query or fragment".into());
    }
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'));
    if !plain {
        return Err("may hold only letters, digits and - _ . ~ /".into());
    }
    if path
        .split('/')
        .skip(1)
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return Err("must not contain `..`, `.` or empty segments".into());
    }
    let lower = path.to_ascii_lowercase();
    for reserved in ["/api", "/pkg", "/healthz", "/readyz"] {
        if lower == reserved || lower.starts_with(&format!("{reserved}/")) {
            return Err(format!(
                "must not be under {reserved}/, which the app serves itself"
            ));
        }
    }
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<FrontendApiConfig, ConfigError> {
        FrontendApiConfig::load(&vars.to_vec())
    }

    fn refused_by(vars: &[(&str, &str)]) -> &'static str {
        load(vars).expect_err("should be refused").variable
    }

    #[test]
    fn the_proxy_is_off_by_default_with_clerks_defaults() {
        let config = load(&[]).unwrap();
        assert!(!config.proxy);
        assert_eq!(config.effective_proxy_url(), None);
        assert_eq!(config.proxy_timeout, Duration::from_secs(15));
        assert_eq!(config.proxy_body_limit, 1024 * 1024);
        let on = load(&[("CLERK_FRONTEND_API_PROXY", "on")]).unwrap();
        assert_eq!(
            on.effective_proxy_url(),
            Some(ProxyUrl::Path("/__clerk".into()))
        );
    }

    #[test]
    fn the_proxy_switch_is_on_or_off() {
        for bad in ["yes", "true", "1", "ON"] {
            assert_eq!(
                refused_by(&[("CLERK_FRONTEND_API_PROXY", bad)]),
                "CLERK_FRONTEND_API_PROXY",
                "{bad}"
            );
        }
        assert!(!load(&[("CLERK_FRONTEND_API_PROXY", "off")]).unwrap().proxy);
    }

    #[test]
    fn a_proxy_path_is_the_mount_path_and_loses_its_trailing_slash() {
        let config = load(&[
            ("CLERK_FRONTEND_API_PROXY", "on"),
            ("CLERK_PROXY_URL", "/auth/clerk/"),
        ])
        .unwrap();
        assert_eq!(
            config.effective_proxy_url(),
            Some(ProxyUrl::Path("/auth/clerk".into()))
        );
    }

    #[test]
    fn bad_proxy_paths_are_refused_by_name() {
        for bad in [
            "/",
            "//",
            "/__clerk/../api",
            "/a/./b",
            "/a//b",
            "/__clerk?x=1",
            "/__clerk#top",
            "/api",
            "/api/clerk",
            "/API/clerk",
            "/pkg/clerk",
            "/cl erk",
            "/{clerk}",
            "__clerk",
        ] {
            assert_eq!(
                refused_by(&[("CLERK_PROXY_URL", bad)]),
                "CLERK_PROXY_URL",
                "{bad}"
            );
        }
    }

    #[test]
    fn an_absolute_proxy_url_must_be_https_and_is_only_for_a_proxy_elsewhere() {
        let elsewhere = load(&[("CLERK_PROXY_URL", "https://edge.example.com/__clerk")]).unwrap();
        assert_eq!(
            elsewhere.effective_proxy_url().map(|u| u.as_page_value()),
            Some("https://edge.example.com/__clerk".into())
        );
        for bad in [
            "http://edge.example.com/__clerk",
            "https://edge.example.com/a/../__clerk",
            "https://edge.example.com/__clerk?x=1",
            "https://edge.example.com/__clerk#x",
            "https://user:pw@edge.example.com/__clerk",
            "ftp://edge.example.com/__clerk",
        ] {
            assert_eq!(
                refused_by(&[("CLERK_PROXY_URL", bad)]),
                "CLERK_PROXY_URL",
                "{bad}"
            );
        }
        assert_eq!(
            refused_by(&[
                ("CLERK_FRONTEND_API_PROXY", "on"),
                ("CLERK_PROXY_URL", "https://edge.example.com/__clerk"),
            ]),
            "CLERK_PROXY_URL"
        );
    }

    #[test]
    fn the_frontend_api_url_is_https_except_on_loopback() {
        for good in [
            "https://clerk.example.com",
            "http://127.0.0.1:9999",
            "http://127.8.9.10:9999",
            "http://[::1]:9999",
            "http://localhost:9999",
        ] {
            let url = load(&[("CLERK_FRONTEND_API_URL", good)]).unwrap().url;
            assert!(url.unwrap().path().ends_with('/'), "{good}");
        }
        for bad in [
            "http://clerk.example.com",
            "http://10.0.0.5:8080",
            "http://[fe80::1]/",
            "http://localhost.example.com",
            "https://clerk.example.com/?x=1",
            "https://user:pw@clerk.example.com",
            "clerk.example.com",
        ] {
            assert_eq!(
                refused_by(&[("CLERK_FRONTEND_API_URL", bad)]),
                "CLERK_FRONTEND_API_URL",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_proxy_bounds_are_numbers_in_range() {
        for (variable, bad) in [
            ("CLERK_FRONTEND_API_PROXY_TIMEOUT_SECS", "0"),
            ("CLERK_FRONTEND_API_PROXY_TIMEOUT_SECS", "soon"),
            ("CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES", "10"),
            ("CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES", "1MiB"),
        ] {
            assert_eq!(refused_by(&[(variable, bad)]), variable, "{bad}");
        }
        let config = load(&[
            ("CLERK_FRONTEND_API_PROXY_TIMEOUT_SECS", "2"),
            ("CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES", "4096"),
        ])
        .unwrap();
        assert_eq!(config.proxy_timeout, Duration::from_secs(2));
        assert_eq!(config.proxy_body_limit, 4096);
    }
}
