//! `TRUSTED_PROXIES`: the peers whose forwarded headers are believed.
//!
//! Anyone can send `X-Forwarded-Proto: https` or `Forwarded: for=…`; only a proxy this
//! deployment runs in front of the server may say where a request really came from. An empty
//! list (the default) trusts no one, so a server reachable directly cannot be told it sits
//! behind TLS, or that a request came from another address.

use std::{net::IpAddr, str::FromStr};

use ipnet::IpNet;

/// Addresses and CIDR ranges of the reverse proxies in front of this server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Trusts no one.
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Comma-separated IP addresses (`10.0.0.5`, `::1`) and CIDR ranges (`10.0.0.0/8`,
    /// `fd00::/8`); blank entries are skipped. The error names the first entry that is neither.
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = match IpNet::from_str(entry) {
                Ok(net) => net,
                Err(_) => match IpAddr::from_str(entry) {
                    // A single address is a range of one; an IPv4-mapped IPv6 address is the
                    // IPv4 address it maps (peers are compared in that form too).
                    Ok(ip) => IpNet::from(ip.to_canonical()),
                    Err(_) => {
                        return Err(format!(
                            "`{entry}` is neither an IP address nor a CIDR range"
                        ));
                    }
                },
            };
            nets.push(net.trunc());
        }
        Ok(Self(nets))
    }

    /// Whether `ip` is one of the proxies. A dual-stack listener sees IPv4 peers as
    /// `::ffff:a.b.c.d`; those match the IPv4 entries.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        self.0
            .iter()
            .any(|net| net.contains(&canonical) || net.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_are_trusted_and_nothing_else() {
        let proxies = TrustedProxies::parse(" 10.1.2.3 , 192.168.0.0/16,fd00::/8, ::1").unwrap();
        for trusted in ["10.1.2.3", "192.168.44.1", "fd12::5", "::1"] {
            assert!(proxies.contains(ip(trusted)), "{trusted}");
        }
        for foreign in ["10.1.2.4", "192.169.0.1", "fe80::1", "127.0.0.1", "8.8.8.8"] {
            assert!(!proxies.contains(ip(foreign)), "{foreign}");
        }
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_entries_and_the_reverse() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert!(proxies.contains(ip("::ffff:10.9.8.7")));
        assert!(!proxies.contains(ip("::ffff:11.0.0.1")));
        let proxies = TrustedProxies::parse("::ffff:10.0.0.1").unwrap();
        assert!(proxies.contains(ip("10.0.0.1")));
        assert!(proxies.contains(ip("::ffff:10.0.0.1")));
    }

    #[test]
    fn empty_trusts_no_one() {
        for raw in ["", " ", ","] {
            let proxies = TrustedProxies::parse(raw).unwrap();
            assert_eq!(proxies, TrustedProxies::none());
            assert!(!proxies.contains(ip("127.0.0.1")));
        }
    }

    #[test]
    fn a_bad_entry_is_named() {
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0.1:80", "10.0.0/8"] {
            let err = TrustedProxies::parse(&format!("10.0.0.1,{bad}")).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }
}
