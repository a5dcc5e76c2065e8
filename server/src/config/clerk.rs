//! Clerk's configuration variables, under Clerk's own names.

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD},
};
use url::Url;

use super::{
    ConfigError, Secret, Source,
    frontend_api::{FrontendApiConfig, ProxyUrl},
    urls::{http_url, origin, secret_bearing_url},
};

/// `pk_test_…` / `pk_live_…`: the base64 of `<frontend-api-host>$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublishableKey {
    raw: String,
    frontend_api_host: String,
    live: bool,
}

impl PublishableKey {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let (live, encoded) = if let Some(rest) = raw.strip_prefix("pk_live_") {
            (true, rest)
        } else if let Some(rest) = raw.strip_prefix("pk_test_") {
            (false, rest)
        } else {
            return Err("must start with pk_test_ or pk_live_".into());
        };
        let decoded = STANDARD_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|_| "the part after pk_test_/pk_live_ is not base64".to_owned())?;
        let text = String::from_utf8(decoded)
            .map_err(|_| "does not decode to a Frontend API host".to_owned())?;
        let host = match text.split_once('$') {
            Some((host, "")) if !host.contains('$') => host,
            _ => return Err("does not decode to `<frontend-api-host>$`".into()),
        };
        if !is_host(host) {
            return Err("does not decode to a valid Frontend API host".into());
        }
        Ok(Self {
            raw: raw.to_owned(),
            frontend_api_host: host.to_owned(),
            live,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.raw
    }

    pub(crate) fn frontend_api_host(&self) -> &str {
        &self.frontend_api_host
    }

    /// The `iss` claim Clerk puts in this instance's session tokens.
    pub(crate) fn issuer(&self) -> String {
        format!("https://{}", self.frontend_api_host)
    }

    pub(crate) fn is_live(&self) -> bool {
        self.live
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ClerkConfig {
    pub(crate) publishable_key: Option<PublishableKey>,
    pub(crate) secret_key: Option<Secret>,
    /// PEM public key for networkless verification.
    pub(crate) jwt_key: Option<String>,
    pub(crate) api_url: Url,
    /// A plain JWKS URL (no secret key needed), instead of `{CLERK_API_URL}/v1/jwks`.
    pub(crate) jwks_url: Option<Url>,
    /// Where the browser loads clerk-js from; defaults to the Frontend API host's copy.
    pub js_url: Option<Url>,
    /// Where the browser loads Clerk's components (`@clerk/ui`) from; defaults to the
    /// Frontend API host's copy.
    pub ui_url: Option<Url>,
    /// Origins allowed in the `azp` claim; empty means "not checked".
    pub(crate) authorized_parties: Vec<String>,
    pub(crate) webhook_signing_secret: Option<Secret>,
    /// `CLERK_EMULATOR`: `auto` (the emulator when no Clerk keys are set), `on`, `off`.
    pub(crate) emulator: EmulatorSwitch,
    /// `CLERK_FRONTEND_API_URL`, `CLERK_PROXY_URL` and the Frontend API proxy's settings.
    pub(crate) frontend_api: FrontendApiConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmulatorSwitch {
    Auto,
    On,
    Off,
}

/// Who issues session tokens for this process. Decided once, by [`ClerkConfig::mode`].
#[derive(Debug, Clone)]
pub(crate) enum ClerkMode {
    /// A real Clerk instance, with its keys checked complete (boxed: far larger than the
    /// emulator's variant).
    Clerk(Box<ClerkKeys>),
    /// The offline emulator, mounted under `/__clerk`. Development and tests only: a build
    /// without the `emulator` feature (the release bundle) has no such mode.
    #[cfg(feature = "emulator")]
    Emulator,
}

/// What a real Clerk instance needs: the key the browser loads clerk-js with, and where the
/// keys that verify session tokens come from.
#[derive(Debug, Clone)]
pub(crate) struct ClerkKeys {
    pub(crate) publishable_key: PublishableKey,
    pub(crate) token_keys: TokenKeys,
    /// The instance's Frontend API, ending in `/`: `CLERK_FRONTEND_API_URL`, else
    /// `https://<host from the publishable key>/`.
    pub(crate) frontend_api: Url,
    /// The Frontend API proxy this server runs (`CLERK_FRONTEND_API_PROXY=on`).
    pub(crate) proxy: Option<ProxySettings>,
}

impl ClerkKeys {
    /// The `iss` of this instance's session tokens: Clerk's issuer is its Frontend API URL.
    pub(crate) fn issuer(&self) -> String {
        self.frontend_api.as_str().trim_end_matches('/').to_owned()
    }
}

/// What the Frontend API proxy needs, checked complete at start-up.
#[derive(Debug, Clone)]
pub(crate) struct ProxySettings {
    /// Where it is mounted: a path without a trailing slash (`/__clerk`).
    pub(crate) path: String,
    /// The Frontend API it forwards to, ending in `/`.
    pub(crate) upstream: Url,
    /// Sent upstream as `Clerk-Secret-Key`.
    pub(crate) secret_key: Secret,
    /// Bound on connecting and on the response head (and on each read of the body).
    pub(crate) timeout: std::time::Duration,
    /// Largest request body forwarded.
    pub(crate) body_limit: usize,
}

/// The source of the session-token keys, in order of preference when several are set.
#[derive(Debug, Clone)]
pub(crate) enum TokenKeys {
    /// `CLERK_JWT_KEY`: one PEM public key; no network.
    Pem(String),
    /// `CLERK_JWKS_URL`: a plain JWKS; no secret.
    JwksUrl(Url),
    /// `CLERK_SECRET_KEY`: the Backend API's JWKS (`{CLERK_API_URL}/v1/jwks`).
    BackendApi(Secret),
}

impl ClerkConfig {
    pub(crate) const DEFAULT_API_URL: &'static str = "https://api.clerk.com";

    pub(crate) fn load(source: &impl Source) -> Result<Self, ConfigError> {
        let publishable_key = source
            .get("CLERK_PUBLISHABLE_KEY")
            .map(|raw| {
                PublishableKey::parse(raw.trim())
                    .map_err(|p| ConfigError::new("CLERK_PUBLISHABLE_KEY", p))
            })
            .transpose()?;
        let secret_key = source
            .get("CLERK_SECRET_KEY")
            .map(|raw| {
                let raw = raw.trim();
                if raw.starts_with("sk_test_") || raw.starts_with("sk_live_") {
                    Ok(Secret::new(raw))
                } else {
                    Err(ConfigError::new(
                        "CLERK_SECRET_KEY",
                        "must start with sk_test_ or sk_live_",
                    ))
                }
            })
            .transpose()?;
        let jwt_key = source
            .get("CLERK_JWT_KEY")
            .map(|raw| normalise_pem(&raw))
            .transpose()?;
        let api_url = match source.get("CLERK_API_URL") {
            Some(raw) => {
                secret_bearing_url(&raw).map_err(|p| ConfigError::new("CLERK_API_URL", p))?
            }
            None => Url::parse(Self::DEFAULT_API_URL)
                .map_err(|e| ConfigError::new("CLERK_API_URL", e.to_string()))?,
        };
        let authorized_parties = source
            .get("CLERK_AUTHORIZED_PARTIES")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(origin)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|p| ConfigError::new("CLERK_AUTHORIZED_PARTIES", p))
            })
            .transpose()?
            .unwrap_or_default();
        let webhook_signing_secret = source
            .get("CLERK_WEBHOOK_SIGNING_SECRET")
            .map(|raw| {
                let raw = raw.trim();
                match raw.strip_prefix("whsec_").map(|b| STANDARD.decode(b)) {
                    Some(Ok(bytes)) if !bytes.is_empty() => Ok(Secret::new(raw)),
                    _ => Err(ConfigError::new(
                        "CLERK_WEBHOOK_SIGNING_SECRET",
                        "must be whsec_ followed by a non-empty base64 secret",
                    )),
                }
            })
            .transpose()?;
        let jwks_url = source
            .get("CLERK_JWKS_URL")
            .map(|raw| secret_bearing_url(&raw).map_err(|p| ConfigError::new("CLERK_JWKS_URL", p)))
            .transpose()?;
        let js_url = source
            .get("CLERK_JS_URL")
            .map(|raw| http_url(&raw).map_err(|p| ConfigError::new("CLERK_JS_URL", p)))
            .transpose()?;
        let ui_url = source
            .get("CLERK_UI_URL")
            .map(|raw| http_url(&raw).map_err(|p| ConfigError::new("CLERK_UI_URL", p)))
            .transpose()?;
        let emulator = match source.get("CLERK_EMULATOR").as_deref().map(str::trim) {
            None | Some("auto") => EmulatorSwitch::Auto,
            Some("on") => EmulatorSwitch::On,
            Some("off") => EmulatorSwitch::Off,
            Some(_) => {
                return Err(ConfigError::new(
                    "CLERK_EMULATOR",
                    "must be auto, on or off",
                ));
            }
        };
        let frontend_api = FrontendApiConfig::load(source)?;
        Ok(Self {
            publishable_key,
            secret_key,
            jwt_key,
            api_url,
            jwks_url,
            js_url,
            ui_url,
            authorized_parties,
            webhook_signing_secret,
            emulator,
            frontend_api,
        })
    }

    /// Decides between real Clerk and the emulator, refusing every unsafe or incomplete mix.
    ///
    /// `production` is true with `LEPTOS_ENV=PROD`; `release` for an optimised build. With real
    /// Clerk in production (or a `pk_live_` key, which is production to Clerk), the
    /// authorized parties must be listed: without them `azp` is not checked, and a session
    /// token minted for another origin of the same Clerk instance would be accepted.
    pub(crate) fn mode(&self, production: bool, release: bool) -> Result<ClerkMode, ConfigError> {
        let mode = self.source_of_tokens(production, release)?;
        if let ClerkMode::Clerk(keys) = &mode
            && (production || keys.publishable_key.is_live())
            && self.authorized_parties.is_empty()
        {
            return Err(ConfigError::new(
                "CLERK_AUTHORIZED_PARTIES",
                "is required in production (LEPTOS_ENV=PROD or a pk_live_ key): list the \
                 origins your pages are served from, comma-separated (e.g. \
                 https://app.example.com), so that a session token minted for another origin \
                 of the same Clerk instance is refused",
            ));
        }
        #[cfg(feature = "emulator")]
        if matches!(mode, ClerkMode::Emulator) && self.frontend_api.proxy {
            return Err(ConfigError::new(
                "CLERK_FRONTEND_API_PROXY",
                "is on, but no Clerk keys are configured: the Frontend API proxy forwards to a \
                 real Clerk instance, and the offline emulator already serves its Frontend API \
                 under /__clerk. Set CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY, or turn the \
                 proxy off",
            ));
        }
        Ok(mode)
    }

    /// `release` is true for an optimised build: such a binary is what gets deployed, so a
    /// missing secret mount must stop it rather than quietly mount the emulator (with which
    /// anyone signs in as anyone). There the emulator runs only when `CLERK_EMULATOR=on`.
    #[cfg(feature = "emulator")]
    fn source_of_tokens(&self, production: bool, release: bool) -> Result<ClerkMode, ConfigError> {
        match (self.is_configured(), self.emulator) {
            (true, EmulatorSwitch::On) => Err(ConfigError::new(
                "CLERK_EMULATOR",
                "is on, but real Clerk keys are configured; the emulator never runs beside real \
                 keys. Unset CLERK_EMULATOR or the CLERK_* keys",
            )),
            (true, _) => self.keys().map(|keys| ClerkMode::Clerk(Box::new(keys))),
            (false, _) if production => Err(ConfigError::new(
                "CLERK_SECRET_KEY",
                "no Clerk keys are configured, and the offline Clerk emulator never runs in \
                 production; set CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY (or CLERK_JWT_KEY)",
            )),
            (false, EmulatorSwitch::Off) => Err(ConfigError::new(
                "CLERK_EMULATOR",
                "is off, but no Clerk keys are configured; set CLERK_PUBLISHABLE_KEY and \
                 CLERK_SECRET_KEY, or let the emulator run",
            )),
            (false, EmulatorSwitch::Auto) if release => Err(ConfigError::new(
                "CLERK_SECRET_KEY",
                "no Clerk keys are configured (CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY, or \
                 CLERK_JWT_KEY); a release build mounts the offline Clerk emulator only when \
                 CLERK_EMULATOR=on is set explicitly",
            )),
            (false, _) => Ok(ClerkMode::Emulator),
        }
    }

    /// A build without the emulator (the release bundle) has real Clerk or nothing:
    /// `CLERK_EMULATOR` cannot mount what the binary does not contain.
    #[cfg(not(feature = "emulator"))]
    fn source_of_tokens(
        &self,
        _production: bool,
        _release: bool,
    ) -> Result<ClerkMode, ConfigError> {
        if self.is_configured() {
            return self.keys().map(|keys| ClerkMode::Clerk(Box::new(keys)));
        }
        let asked = if self.emulator == EmulatorSwitch::On {
            " (CLERK_EMULATOR=on cannot change that)"
        } else {
            ""
        };
        Err(ConfigError::new(
            "CLERK_PUBLISHABLE_KEY",
            format!(
                "no Clerk keys are configured, and this build has no offline Clerk emulator: it \
                 was built without the `emulator` feature{asked}; set CLERK_PUBLISHABLE_KEY and \
                 CLERK_SECRET_KEY (or CLERK_JWT_KEY)"
            ),
        ))
    }

    fn keys(&self) -> Result<ClerkKeys, ConfigError> {
        let Some(publishable_key) = self.publishable_key.clone() else {
            return Err(ConfigError::new(
                "CLERK_PUBLISHABLE_KEY",
                "is required with Clerk keys: the browser needs it to load clerk-js",
            ));
        };
        let token_keys = if let Some(pem) = &self.jwt_key {
            TokenKeys::Pem(pem.clone())
        } else if let Some(url) = &self.jwks_url {
            TokenKeys::JwksUrl(url.clone())
        } else if let Some(secret) = &self.secret_key {
            TokenKeys::BackendApi(secret.clone())
        } else {
            return Err(ConfigError::new(
                "CLERK_SECRET_KEY",
                "or CLERK_JWT_KEY (or CLERK_JWKS_URL) is required to verify session tokens",
            ));
        };
        let frontend_api = self.frontend_api_url(&publishable_key)?;
        let proxy = if self.frontend_api.proxy {
            let Some(secret_key) = self.secret_key.clone() else {
                return Err(ConfigError::new(
                    "CLERK_SECRET_KEY",
                    "is required with CLERK_FRONTEND_API_PROXY=on: the proxy sends it to the \
                     Frontend API (Clerk-Secret-Key)",
                ));
            };
            let path = match self.frontend_api.effective_proxy_url() {
                Some(ProxyUrl::Path(path)) => path,
                // Refused when the variables were read; kept total here.
                _ => {
                    return Err(ConfigError::new(
                        "CLERK_PROXY_URL",
                        "must be a path with CLERK_FRONTEND_API_PROXY=on",
                    ));
                }
            };
            Some(ProxySettings {
                path,
                upstream: frontend_api.clone(),
                secret_key,
                timeout: self.frontend_api.proxy_timeout,
                body_limit: self.frontend_api.proxy_body_limit,
            })
        } else {
            None
        };
        Ok(ClerkKeys {
            publishable_key,
            token_keys,
            frontend_api,
            proxy,
        })
    }

    fn frontend_api_url(&self, key: &PublishableKey) -> Result<Url, ConfigError> {
        match &self.frontend_api.url {
            Some(url) => Ok(url.clone()),
            None => Url::parse(&format!("{}/", key.issuer()))
                .map_err(|e| ConfigError::new("CLERK_PUBLISHABLE_KEY", e.to_string())),
        }
    }

    /// Where clerk-js and `@clerk/ui` are served from by default, without a trailing slash:
    /// through the proxy when there is one (as Clerk's own SDKs do), else the Frontend API.
    fn clerk_assets_base(&self) -> Option<String> {
        if let Some(proxy) = self.frontend_api.effective_proxy_url() {
            return Some(proxy.as_page_value());
        }
        if let Some(url) = &self.frontend_api.url {
            return Some(url.as_str().trim_end_matches('/').to_owned());
        }
        let key = self.publishable_key.as_ref()?;
        Some(format!("https://{}", key.frontend_api_host()))
    }

    /// The clerk-js script the browser loads in Clerk mode.
    pub(crate) fn clerk_js_url(&self) -> Option<String> {
        if let Some(url) = &self.js_url {
            return Some(url.to_string());
        }
        let base = self.clerk_assets_base()?;
        Some(format!(
            "{base}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
        ))
    }

    /// Clerk's components in Clerk mode: `@clerk/ui` major 1, the line clerk-js 6 takes
    /// (Clerk's Frontend API serves `/npm/@clerk/ui@<version>/dist/ui.browser.js`).
    pub(crate) fn clerk_ui_url(&self) -> Option<String> {
        if let Some(url) = &self.ui_url {
            return Some(url.to_string());
        }
        let base = self.clerk_assets_base()?;
        Some(format!("{base}/npm/@clerk/ui@1/dist/ui.browser.js"))
    }

    /// True when real Clerk keys were given (as opposed to the offline emulator).
    pub(crate) fn is_configured(&self) -> bool {
        self.publishable_key.is_some() || self.secret_key.is_some() || self.jwt_key.is_some()
    }
}

/// Accepts a PEM public key as written in a file or squeezed onto one line with `\n` escapes.
fn normalise_pem(raw: &str) -> Result<String, ConfigError> {
    let pem = raw.trim().replace("\\n", "\n");
    let ok = pem.starts_with("-----BEGIN PUBLIC KEY-----")
        && pem.ends_with("-----END PUBLIC KEY-----")
        && pem.lines().count() >= 3;
    if ok {
        Ok(pem)
    } else {
        Err(ConfigError::new(
            "CLERK_JWT_KEY",
            "must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----), \
             as shown under API keys → JWT public key in Clerk's dashboard",
        ))
    }
}

/// A host name with a dot, and a port when there is one (the emulator's keys carry it):
/// nothing that, put after `https://`, a URL would read as more than a host (a path, query,
/// fragment, credentials, control characters) or not accept at all.
fn is_host(host: &str) -> bool {
    let name = match host.split_once(':') {
        Some((name, port)) => {
            if !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err() {
                return false;
            }
            name
        }
        None => host,
    };
    name.contains('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && Url::parse(&format!("https://{host}/")).is_ok_and(|url| url.path() == "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<ClerkConfig, ConfigError> {
        ClerkConfig::load(&vars.to_vec())
    }

    #[test]
    fn publishable_key_decodes_the_frontend_api_host() {
        let key =
            PublishableKey::parse("pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk").unwrap();
        assert_eq!(key.frontend_api_host(), "foo-bar-13.clerk.accounts.dev");
        assert_eq!(key.issuer(), "https://foo-bar-13.clerk.accounts.dev");
        assert!(!key.is_live());
    }

    #[test]
    fn publishable_key_rejects_malformed_keys() {
        let encode = |s: &str| STANDARD_NO_PAD.encode(s);
        for bad in [
            "sk_test_Zm9v".to_owned(),
            "pk_test_!!!".to_owned(),
            format!("pk_test_{}", encode("example.com$extra")),
            format!("pk_test_{}", encode("exa$mple.com$")),
            format!("pk_live_{}", encode("localhost$")),
            format!("pk_live_{}", encode("example.com")),
        ] {
            assert!(PublishableKey::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_publishable_key_whose_host_is_no_host_is_refused() {
        let encode = |s: &str| STANDARD_NO_PAD.encode(s);
        for bad in [
            // Found by the `publishable_key` fuzz target: control characters in the host.
            "pk_test_Y2xlcmsuZQ0DMyQ=".to_owned(),
            format!("pk_live_{}", encode("clerk.example.com?x$")),
            format!("pk_live_{}", encode("clerk.example.com#x$")),
            format!("pk_live_{}", encode("clerk.example.com\\evil.example$")),
            format!("pk_live_{}", encode("clerk.example.com\t$")),
            format!("pk_live_{}", encode("clerk.example.com:99999$")),
            format!("pk_live_{}", encode("clerk.example.com:$")),
            format!("pk_live_{}", encode("1.2.3.999$")),
        ] {
            assert!(PublishableKey::parse(&bad).is_err(), "{bad}");
        }
        // The emulator's keys name a host with a port.
        let key = PublishableKey::parse(&format!("pk_live_{}", encode("127.0.0.1:3000$"))).unwrap();
        assert_eq!(key.issuer(), "https://127.0.0.1:3000");
    }

    #[test]
    fn every_bad_clerk_variable_is_named() {
        let cases = [
            ("CLERK_PUBLISHABLE_KEY", "pk_nope"),
            ("CLERK_SECRET_KEY", "pk_test_abc"),
            ("CLERK_JWT_KEY", "not a pem"),
            ("CLERK_API_URL", "ftp://api.clerk.com"),
            ("CLERK_AUTHORIZED_PARTIES", "https://app.example.com/path"),
            ("CLERK_WEBHOOK_SIGNING_SECRET", "whsec_"),
            ("CLERK_WEBHOOK_SIGNING_SECRET", "secret"),
            ("CLERK_JWKS_URL", "not a url"),
            ("CLERK_JS_URL", "file:///etc/passwd"),
            ("CLERK_EMULATOR", "yes"),
        ];
        for (variable, value) in cases {
            let err = load(&[(variable, value)]).unwrap_err();
            assert_eq!(err.variable, variable, "{value}");
        }
    }

    #[test]
    fn urls_that_carry_the_secret_key_must_be_https_except_on_loopback() {
        for variable in ["CLERK_API_URL", "CLERK_JWKS_URL"] {
            for bad in [
                "http://api.clerk.com",
                "http://10.0.0.5:8080",
                "http://[fe80::1]/",
            ] {
                let err = load(&[(variable, bad)]).unwrap_err();
                assert_eq!(err.variable, variable, "{bad}");
            }
            for good in [
                "https://api.clerk.com",
                "http://127.0.0.1:9999",
                "http://[::1]:9999",
                "http://localhost:9999",
            ] {
                assert!(load(&[(variable, good)]).is_ok(), "{variable}={good}");
            }
        }
    }

    #[test]
    fn valid_clerk_variables_load() {
        let config = load(&[
            ("CLERK_SECRET_KEY", "sk_test_abc"),
            (
                "CLERK_JWT_KEY",
                "-----BEGIN PUBLIC KEY-----\\nMIIBIjAN\\n-----END PUBLIC KEY-----",
            ),
            ("CLERK_API_URL", "http://127.0.0.1:9999"),
            ("CLERK_JWKS_URL", "http://localhost:9999/jwks"),
            (
                "CLERK_AUTHORIZED_PARTIES",
                "https://app.example.com, http://localhost:3000",
            ),
            (
                "CLERK_WEBHOOK_SIGNING_SECRET",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ),
        ])
        .unwrap();
        assert!(config.is_configured());
        assert_eq!(
            config.authorized_parties,
            ["https://app.example.com", "http://localhost:3000"]
        );
        assert!(config.jwt_key.unwrap().contains('\n'));
        assert_eq!(config.api_url.as_str(), "http://127.0.0.1:9999/");
    }
}

#[cfg(test)]
mod mode_tests {
    use super::*;

    const PK: (&str, &str) = (
        "CLERK_PUBLISHABLE_KEY",
        "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk",
    );
    const SK: (&str, &str) = ("CLERK_SECRET_KEY", "sk_test_abc");

    const LIVE: (&str, &str) = ("CLERK_PUBLISHABLE_KEY", "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k");
    const PARTIES: (&str, &str) = ("CLERK_AUTHORIZED_PARTIES", "https://app.example.com");

    /// The mode without its keys.
    #[derive(Debug, PartialEq)]
    enum Mode {
        Clerk,
        #[cfg(feature = "emulator")]
        Emulator,
    }

    fn kind(mode: ClerkMode) -> Mode {
        match mode {
            ClerkMode::Clerk(_) => Mode::Clerk,
            #[cfg(feature = "emulator")]
            ClerkMode::Emulator => Mode::Emulator,
        }
    }

    fn mode(vars: &[(&'static str, &'static str)], production: bool) -> Result<Mode, &'static str> {
        ClerkConfig::load(&vars.to_vec())
            .unwrap()
            .mode(production, false)
            .map(kind)
            .map_err(|e| e.variable)
    }

    fn release_mode(vars: &[(&'static str, &'static str)]) -> Result<Mode, &'static str> {
        ClerkConfig::load(&vars.to_vec())
            .unwrap()
            .mode(false, true)
            .map(kind)
            .map_err(|e| e.variable)
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn a_release_build_without_keys_refuses_to_start_instead_of_mounting_the_emulator() {
        assert_eq!(release_mode(&[]), Err("CLERK_SECRET_KEY"));
        assert_eq!(
            release_mode(&[("CLERK_EMULATOR", "auto")]),
            Err("CLERK_SECRET_KEY")
        );
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn a_release_build_mounts_the_emulator_only_when_asked_explicitly() {
        assert_eq!(
            release_mode(&[("CLERK_EMULATOR", "on")]),
            Ok(Mode::Emulator)
        );
        assert_eq!(release_mode(&[PK, SK]), Ok(Mode::Clerk));
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn no_keys_in_development_means_the_emulator() {
        assert_eq!(mode(&[], false), Ok(Mode::Emulator));
        assert_eq!(mode(&[("CLERK_EMULATOR", "on")], false), Ok(Mode::Emulator));
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn the_emulator_refuses_production() {
        assert_eq!(mode(&[], true), Err("CLERK_SECRET_KEY"));
        assert_eq!(
            mode(&[("CLERK_EMULATOR", "on")], true),
            Err("CLERK_SECRET_KEY")
        );
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn the_emulator_refuses_to_run_beside_real_keys() {
        assert_eq!(
            mode(&[PK, SK, ("CLERK_EMULATOR", "on")], false),
            Err("CLERK_EMULATOR")
        );
    }

    #[test]
    fn keys_mean_clerk_and_must_be_complete() {
        assert_eq!(mode(&[PK, SK, PARTIES], true), Ok(Mode::Clerk));
        assert_eq!(mode(&[SK], false), Err("CLERK_PUBLISHABLE_KEY"));
        assert_eq!(mode(&[PK], false), Err("CLERK_SECRET_KEY"));
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn the_emulator_switched_off_without_keys_is_named() {
        assert_eq!(
            mode(&[("CLERK_EMULATOR", "off")], false),
            Err("CLERK_EMULATOR")
        );
    }

    #[test]
    fn production_refuses_to_start_without_authorized_parties() {
        assert_eq!(mode(&[PK, SK], true), Err("CLERK_AUTHORIZED_PARTIES"));
        assert_eq!(mode(&[PK, SK, PARTIES], true), Ok(Mode::Clerk));
    }

    #[test]
    fn a_live_key_is_production_and_needs_authorized_parties() {
        assert_eq!(mode(&[LIVE, SK], false), Err("CLERK_AUTHORIZED_PARTIES"));
        assert_eq!(release_mode(&[LIVE, SK]), Err("CLERK_AUTHORIZED_PARTIES"));
        assert_eq!(mode(&[LIVE, SK, PARTIES], false), Ok(Mode::Clerk));
    }

    #[test]
    fn a_development_instance_outside_production_may_leave_azp_unchecked() {
        assert_eq!(mode(&[PK, SK], false), Ok(Mode::Clerk));
        assert_eq!(release_mode(&[PK, SK]), Ok(Mode::Clerk));
    }

    #[cfg(not(feature = "emulator"))]
    #[test]
    fn without_the_emulator_built_in_no_setting_mounts_it() {
        assert_eq!(mode(&[], false), Err("CLERK_PUBLISHABLE_KEY"));
        assert_eq!(
            mode(&[("CLERK_EMULATOR", "on")], false),
            Err("CLERK_PUBLISHABLE_KEY")
        );
        assert_eq!(
            mode(&[PK, SK, ("CLERK_EMULATOR", "on")], false),
            Ok(Mode::Clerk)
        );
    }

    fn keys(vars: &[(&'static str, &'static str)]) -> ClerkKeys {
        match ClerkConfig::load(&vars.to_vec())
            .unwrap()
            .mode(false, false)
            .unwrap()
        {
            ClerkMode::Clerk(keys) => *keys,
            #[cfg(feature = "emulator")]
            ClerkMode::Emulator => panic!("expected Clerk mode"),
        }
    }

    const PROXY_ON: (&str, &str) = ("CLERK_FRONTEND_API_PROXY", "on");

    #[cfg(feature = "emulator")]
    #[test]
    fn the_proxy_refuses_the_emulator() {
        assert_eq!(mode(&[PROXY_ON], false), Err("CLERK_FRONTEND_API_PROXY"));
        assert_eq!(
            mode(&[PROXY_ON, ("CLERK_EMULATOR", "on")], false),
            Err("CLERK_FRONTEND_API_PROXY")
        );
    }

    #[test]
    fn the_proxy_needs_the_secret_key_it_sends() {
        let jwt_key = (
            "CLERK_JWT_KEY",
            "-----BEGIN PUBLIC KEY-----\\nMIIBIjAN\\n-----END PUBLIC KEY-----",
        );
        assert_eq!(mode(&[PK, jwt_key], false), Ok(Mode::Clerk));
        assert_eq!(
            mode(&[PK, jwt_key, PROXY_ON], false),
            Err("CLERK_SECRET_KEY")
        );
    }

    #[test]
    fn the_proxy_forwards_to_the_publishable_keys_host_unless_overridden() {
        let proxied = keys(&[PK, SK, PROXY_ON]);
        let proxy = proxied.proxy.as_ref().unwrap();
        assert_eq!(proxy.path, "/__clerk");
        assert_eq!(
            proxy.upstream.as_str(),
            "https://foo-bar-13.clerk.accounts.dev/"
        );
        assert_eq!(proxy.secret_key.expose(), "sk_test_abc");
        assert_eq!(proxied.issuer(), "https://foo-bar-13.clerk.accounts.dev");
        let local = keys(&[
            PK,
            SK,
            PROXY_ON,
            ("CLERK_PROXY_URL", "/clerk-fapi"),
            ("CLERK_FRONTEND_API_URL", "http://127.0.0.1:4444"),
        ]);
        let proxy = local.proxy.as_ref().unwrap();
        assert_eq!(proxy.path, "/clerk-fapi");
        assert_eq!(proxy.upstream.as_str(), "http://127.0.0.1:4444/");
        // Real Clerk's issuer is its Frontend API URL.
        assert_eq!(local.issuer(), "http://127.0.0.1:4444");
        assert!(keys(&[PK, SK]).proxy.is_none());
    }

    #[test]
    fn clerk_js_and_ui_load_through_the_proxy_when_there_is_one() {
        let config = ClerkConfig::load(&[PK, SK, PROXY_ON]).unwrap();
        assert_eq!(
            config.clerk_js_url().as_deref(),
            Some("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
        );
        assert_eq!(
            config.clerk_ui_url().as_deref(),
            Some("/__clerk/npm/@clerk/ui@1/dist/ui.browser.js")
        );
        let elsewhere = ClerkConfig::load(&[
            PK,
            SK,
            ("CLERK_PROXY_URL", "https://edge.example.com/fapi/"),
        ])
        .unwrap();
        assert_eq!(
            elsewhere.clerk_js_url().as_deref(),
            Some("https://edge.example.com/fapi/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
        );
        let overridden = ClerkConfig::load(&[
            PK,
            SK,
            PROXY_ON,
            ("CLERK_JS_URL", "https://cdn.example.com/clerk.js"),
        ])
        .unwrap();
        assert_eq!(
            overridden.clerk_js_url().as_deref(),
            Some("https://cdn.example.com/clerk.js")
        );
    }

    #[test]
    fn clerk_js_comes_from_the_frontend_api_host_unless_overridden() {
        let config = ClerkConfig::load(&[PK, SK]).unwrap();
        assert_eq!(
            config.clerk_js_url().as_deref(),
            Some(
                "https://foo-bar-13.clerk.accounts.dev/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
            )
        );
    }

    #[test]
    fn clerk_ui_comes_from_the_frontend_api_host_unless_overridden() {
        let config = ClerkConfig::load(&vec![PK, SK]).unwrap();
        assert_eq!(
            config.clerk_ui_url().as_deref(),
            Some("https://foo-bar-13.clerk.accounts.dev/npm/@clerk/ui@1/dist/ui.browser.js")
        );
        let elsewhere = ("CLERK_UI_URL", "https://cdn.example.com/ui.browser.js");
        let config = ClerkConfig::load(&vec![PK, SK, elsewhere]).unwrap();
        assert_eq!(
            config.clerk_ui_url().as_deref(),
            Some("https://cdn.example.com/ui.browser.js")
        );
        let bad = ClerkConfig::load(&vec![PK, SK, ("CLERK_UI_URL", "file:///etc/passwd")]);
        assert_eq!(bad.err().map(|e| e.variable), Some("CLERK_UI_URL"));
    }
}
