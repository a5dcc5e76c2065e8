//! The HTTP server's own limits and the proxies it sits behind.

use std::time::Duration;

use super::{ConfigError, Source, number};
use crate::http::TrustedProxies;

/// How connections are accepted, kept and closed (see [`crate::http::serve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServingConfig {
    /// A request head must arrive within this (`HTTP_HEADER_READ_TIMEOUT_SECS`); it also
    /// bounds how long an idle HTTP/1 keep-alive connection waits for its next request.
    pub(crate) header_read_timeout: Duration,
    /// Connections served at once (`HTTP_MAX_CONNECTIONS`); more wait in the listen backlog.
    pub(crate) max_connections: usize,
    /// HTTP/1 connections stay open between requests (`HTTP_KEEP_ALIVE`).
    pub(crate) keep_alive: bool,
    /// HTTP/2: ping an idle connection this often, close it when a ping goes unanswered this
    /// long (`HTTP2_KEEP_ALIVE_INTERVAL_SECS`).
    pub(crate) http2_keep_alive_interval: Duration,
    /// On SIGTERM, requests in flight get this long to finish (`SHUTDOWN_GRACE_SECS`).
    pub(crate) shutdown_grace: Duration,
    /// Whose forwarded headers are believed (`TRUSTED_PROXIES`).
    pub(crate) trusted_proxies: TrustedProxies,
}

impl ServingConfig {
    pub(crate) fn load(source: &impl Source) -> Result<Self, ConfigError> {
        let secs = |variable, default, range| {
            number(source, variable, default, range).map(Duration::from_secs)
        };
        let keep_alive = match source.get("HTTP_KEEP_ALIVE").as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(_) => {
                return Err(ConfigError::new("HTTP_KEEP_ALIVE", "must be true or false"));
            }
        };
        let trusted_proxies =
            TrustedProxies::parse(source.get("TRUSTED_PROXIES").as_deref().unwrap_or_default())
                .map_err(|problem| ConfigError::new("TRUSTED_PROXIES", problem))?;
        Ok(Self {
            header_read_timeout: secs("HTTP_HEADER_READ_TIMEOUT_SECS", 10, 1..=300)?,
            max_connections: number(source, "HTTP_MAX_CONNECTIONS", 10_000, 1..=1_000_000)?,
            keep_alive,
            http2_keep_alive_interval: secs("HTTP2_KEEP_ALIVE_INTERVAL_SECS", 20, 1..=3_600)?,
            shutdown_grace: secs("SHUTDOWN_GRACE_SECS", 30, 0..=3_600)?,
            trusted_proxies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<ServingConfig, ConfigError> {
        ServingConfig::load(&pairs.to_vec())
    }

    #[test]
    fn defaults_trust_no_proxy_and_bound_everything() {
        let serving = load(&[]).unwrap();
        assert_eq!(serving.trusted_proxies, TrustedProxies::none());
        assert_eq!(serving.header_read_timeout, Duration::from_secs(10));
        assert_eq!(serving.max_connections, 10_000);
        assert!(serving.keep_alive);
        assert_eq!(serving.shutdown_grace, Duration::from_secs(30));
    }

    #[test]
    fn each_bad_setting_is_named() {
        for (variable, bad) in [
            ("TRUSTED_PROXIES", "10.0.0.1, proxy.internal"),
            ("TRUSTED_PROXIES", "10.0.0.0/40"),
            ("HTTP_HEADER_READ_TIMEOUT_SECS", "0"),
            ("HTTP_HEADER_READ_TIMEOUT_SECS", "301"),
            ("HTTP_MAX_CONNECTIONS", "0"),
            ("HTTP_MAX_CONNECTIONS", "many"),
            ("HTTP_KEEP_ALIVE", "yes"),
            ("HTTP2_KEEP_ALIVE_INTERVAL_SECS", "0"),
            ("SHUTDOWN_GRACE_SECS", "-1"),
        ] {
            let err = load(&[(variable, bad)]).unwrap_err();
            assert_eq!(err.variable, variable, "{bad}");
        }
    }

    #[test]
    fn trusted_proxies_are_parsed() {
        let serving = load(&[("TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).unwrap();
        assert!(
            serving
                .trusted_proxies
                .contains("10.2.3.4".parse().unwrap())
        );
        assert!(serving.trusted_proxies.contains("::1".parse().unwrap()));
    }
}
