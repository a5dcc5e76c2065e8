//! The running emulator: its shared state and the API the host app and tests use.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::backend_api::Failure;
use crate::keys::{self, KeyRing, Rotation, SigningKey};
use crate::state_file::Persister;
use crate::store::{SessionStatus, StateData, StoreError, StoreEvent, Template, User};
use crate::sync::{lock, read, write};
use crate::tokens::{self, Kind, Mint, Minted, TokenOptions};
use crate::webhooks::Webhooks;
use crate::{EmulatorConfig, EmulatorError, now_millis};

/// The `instance_id` of webhook envelopes. Fixed, so that logs and fixtures stay comparable.
pub(crate) const INSTANCE_ID: &str = "ins_2clerkEmulator0000000000";
/// Shortest and longest token lifetime the emulator accepts.
pub(crate) const LIFETIME_RANGE: (u64, u64) = (1, 86_400);

/// An offline Clerk. Cheap to clone: every clone is the same emulator.
#[derive(Clone)]
pub struct Emulator {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The base URL as text without a trailing slash, the prefix of every URL it hands out.
    pub base: String,
    pub base_url: Url,
    /// Path prefix of the router, without a trailing slash ("" when mounted at the root).
    pub base_path: String,
    pub origin: String,
    pub secret_key: String,
    pub webhook_secret: Option<String>,
    pub publishable_key: String,
    pub key_file: Option<PathBuf>,
    pub keys: KeyRing,
    pub settings: Mutex<Settings>,
    pub state: Mutex<Versioned>,
    pub persister: Option<Persister>,
    pub webhooks: Arc<Webhooks>,
    pub failure: Mutex<Option<Failure>>,
    pub token_fault: Mutex<Option<crate::frontend_api::TokenFault>>,
    pub clerk_js: crate::clerk_js::ClerkJs,
    /// clerk-js's suffix for cookie names, derived from the publishable key.
    pub cookie_suffix: String,
    pub calls: Mutex<BTreeMap<&'static str, u64>>,
    pub allowed_origins: RwLock<Vec<String>>,
}

pub(crate) struct Versioned {
    pub data: StateData,
    pub version: u64,
}

/// Settings that can change while the emulator runs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Settings {
    pub clock_offset_secs: i64,
    pub token_lifetime_secs: u64,
    pub omit_custom_claims: bool,
    /// This many handshakes hand out an already expired session token (a handshake that
    /// does not help), to test an app's redirect-loop protection.
    pub failing_handshakes: u32,
}

impl Emulator {
    /// Loads or generates the signing key (off the async runtime), loads or seeds the users,
    /// and starts webhook delivery for the seeded users.
    ///
    /// Refuses in production mode (see [`crate::guard::check_mode`]) whatever the host did.
    /// Checking for real Clerk keys is left to the host ([`crate::guard::check`]), which knows
    /// where its configuration comes from.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        crate::guard::check_mode(|name| std::env::var(name).ok())?;
        let base_url = normalise_base_url(config.base_url)?;
        if !config.secret_key.starts_with("sk_test_") || config.secret_key.len() < 12 {
            return Err(EmulatorError::Config(
                "secret_key must look like a development key: sk_test_ followed by at least 4 characters"
                    .into(),
            ));
        }
        let lifetime = config.token_lifetime.as_secs();
        if !(LIFETIME_RANGE.0..=LIFETIME_RANGE.1).contains(&lifetime) {
            return Err(EmulatorError::Config(format!(
                "token_lifetime must be between {} and {} seconds",
                LIFETIME_RANGE.0, LIFETIME_RANGE.1
            )));
        }
        let clerk_js = crate::clerk_js::ClerkJs::locate(&config.clerk_js_dir)?;
        let key_file = config.key_file.clone();
        let key = tokio::task::spawn_blocking(move || {
            keys::load_or_generate(key_file.as_deref(), keys::DEFAULT_KEY_BITS)
        })
        .await
        .map_err(|e| EmulatorError::Task(e.to_string()))??;

        let webhooks = Webhooks::new(config.webhook.as_ref(), INSTANCE_ID.to_owned())?;
        let persister = config.state_file.clone().map(Persister::new);
        let loaded = match &persister {
            Some(p) => p.load().await?,
            None => None,
        };
        let fresh = loaded.is_none();
        let base = base_url.as_str().trim_end_matches('/').to_owned();
        let base_path = base_url.path().trim_end_matches('/').to_owned();
        let origin = base_url.origin().ascii_serialization();
        let publishable_key = publishable_key_for(&base_url);
        let emulator = Emulator {
            inner: Arc::new(Inner {
                cookie_suffix: cookie_suffix(&publishable_key),
                publishable_key,
                clerk_js,
                token_fault: Mutex::new(None),
                base,
                base_path,
                origin,
                base_url,
                secret_key: config.secret_key,
                webhook_secret: config.webhook.map(|w| w.signing_secret),
                key_file: config.key_file,
                keys: KeyRing::new(key),
                settings: Mutex::new(Settings {
                    clock_offset_secs: 0,
                    token_lifetime_secs: lifetime,
                    omit_custom_claims: config.omit_custom_claims,
                    failing_handshakes: 0,
                }),
                state: Mutex::new(Versioned {
                    data: loaded.unwrap_or_default(),
                    version: 0,
                }),
                persister,
                webhooks,
                failure: Mutex::new(None),
                calls: Mutex::new(BTreeMap::new()),
                allowed_origins: RwLock::new(Vec::new()),
            }),
        };
        if fresh {
            let seed = config.seed_users;
            emulator
                .mutate::<_, EmulatorError>(|data, now| {
                    Ok(((), if seed { data.seed(now) } else { Vec::new() }))
                })
                .await?;
        }
        tracing::info!(base = %emulator.inner.base, kid = %emulator.inner.keys.current().kid, "clerk emulator started");
        Ok(emulator)
    }

    /// The emulator's routes, relative to the base URL's path: mount it with
    /// `.nest("/__clerk", emulator.router())`, or serve it at the root.
    pub fn router(&self) -> axum::Router {
        crate::routes::router(self.clone())
    }

    /// `pk_live_` + unpadded base64 of `<frontend-api-host>$`. The host is the base URL's
    /// `host[:port]` when the host contains a dot (e.g. `127.0.0.1:3000`), else
    /// `clerk.emulator.localhost[:port]`. Only its shape matters: pages load clerk-js in proxy
    /// mode (`data-clerk-proxy-url`), so clerk-js reaches the emulator through the proxy URL,
    /// not through this host. A production-type key because the emulator is reached on the
    /// app's own origin, where first-party cookies work: clerk-js then runs exactly the flow
    /// a deployed app runs, with no development-browser handshake.
    pub fn publishable_key(&self) -> String {
        self.inner.publishable_key.clone()
    }

    /// The `iss` of every token: the base URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.inner.base.clone()
    }

    pub fn secret_key(&self) -> &str {
        &self.inner.secret_key
    }

    /// Backend API base, the base URL itself: `{api_url}/v1/users/{id}`. Join paths by
    /// trimming a trailing `/` and appending, not with `Url::join` (which would drop the last
    /// path segment of a mounted emulator).
    pub fn api_url(&self) -> Url {
        self.inner.base_url.clone()
    }

    pub fn jwks_url(&self) -> Url {
        self.url("/v1/jwks")
    }

    /// The real clerk-js browser bundle, served by the emulator (the version is in the path).
    pub fn script_url(&self) -> Url {
        self.url(&format!(
            "{}/clerk.browser.js",
            self.inner.clerk_js.path_prefix()
        ))
    }

    /// Clerk's components (`@clerk/ui`'s browser bundle), served beside clerk-js.
    pub fn ui_script_url(&self) -> Url {
        self.url(&format!(
            "{}/ui.browser.js",
            self.inner.clerk_js.ui_path_prefix()
        ))
    }

    /// The version of `@clerk/ui` the emulator serves.
    pub fn clerk_ui_version(&self) -> &str {
        &self.inner.clerk_js.ui_version
    }

    /// The version of the clerk-js the emulator serves.
    pub fn clerk_js_version(&self) -> &str {
        &self.inner.clerk_js.version
    }

    /// The Frontend API's base for clerk-js's proxy mode (`data-clerk-proxy-url`): the base URL.
    pub fn proxy_url(&self) -> Url {
        self.inner.base_url.clone()
    }

    /// The suffix clerk-js and Clerk's backend SDK give cookie names for this publishable key
    /// (`__session_<suffix>`, `__client_uat_<suffix>`).
    pub fn cookie_suffix(&self) -> &str {
        &self.inner.cookie_suffix
    }

    pub fn sign_in_url(&self) -> Url {
        self.url("/sign-in")
    }

    /// The current signing key's public key (SPKI PEM), usable as `CLERK_JWT_KEY`.
    pub fn public_key_pem(&self) -> String {
        self.inner.keys.current().public_pem.clone()
    }

    /// The webhook signing secret (`whsec_…`) when a webhook target is configured.
    pub fn webhook_signing_secret(&self) -> Option<&str> {
        self.inner.webhook_secret.as_deref()
    }

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

    /// Mint a session token for a user directly (tests). Without `options.session_id` a new
    /// session is started for the user (cookie-less, so only the control API ends it).
    pub async fn mint_session_token(
        &self,
        user_id: &str,
        options: TokenOptions,
    ) -> Result<String, EmulatorError> {
        Ok(self.mint_token(user_id, options).await?.0.jwt)
    }

    // ---- crate-internal helpers ----

    pub(crate) fn base(&self) -> &str {
        &self.inner.base
    }

    pub(crate) fn url(&self, path: &str) -> Url {
        // The base parsed as a URL, so base + absolute path is a URL too.
        Url::parse(&format!("{}{path}", self.inner.base))
            .unwrap_or_else(|_| self.inner.base_url.clone())
    }

    /// The handshake payload for `directives`, signed with the current key at emulator time.
    pub(crate) fn sign_handshake(&self, directives: &[String]) -> Result<String, EmulatorError> {
        let now = now_millis() / 1000 + self.settings().clock_offset_secs;
        tokens::handshake(
            &self.inner.keys.current(),
            &self.inner.base,
            now,
            directives,
        )
    }

    /// Whether this handshake is one of the failing ones the settings ask for (counting it).
    pub(crate) fn take_failing_handshake(&self) -> bool {
        let mut settings = lock(&self.inner.settings);
        if settings.failing_handshakes == 0 {
            return false;
        }
        settings.failing_handshakes -= 1;
        true
    }

    pub(crate) fn settings(&self) -> Settings {
        *lock(&self.inner.settings)
    }

    pub(crate) fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = lock(&self.inner.settings);
        f(&mut settings);
        *settings
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

    pub(crate) fn read_state<T>(&self, f: impl FnOnce(&StateData) -> T) -> T {
        f(&lock(&self.inner.state).data)
    }

    /// Applies a change, queues its webhooks while the change is still exclusive (so events
    /// leave in the order the changes were made), then persists.
    pub(crate) async fn mutate<T, E>(
        &self,
        change: impl FnOnce(&mut StateData, i64) -> Result<(T, Vec<StoreEvent>), E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<EmulatorError>,
    {
        let (out, snapshot) = {
            let mut state = lock(&self.inner.state);
            let (out, events) = change(&mut state.data, now_millis())?;
            for event in &events {
                self.inner.webhooks.enqueue(event, &self.inner.base);
            }
            state.version += 1;
            let snapshot = match &self.inner.persister {
                Some(_) => Some((
                    state.version,
                    serde_json::to_vec_pretty(&state.data)
                        .map_err(|e| EmulatorError::Task(format!("serialising state: {e}")))?,
                )),
                None => None,
            };
            (out, snapshot)
        };
        if let (Some(persister), Some((version, bytes))) = (&self.inner.persister, snapshot) {
            persister.write(version, bytes).await?;
        }
        Ok(out)
    }

    /// Mints for a user: a session token (in the given session, or a new one) or a template
    /// token. Returns the token and the session it belongs to.
    pub(crate) async fn mint_token(
        &self,
        user_id: &str,
        options: TokenOptions,
    ) -> Result<(Minted, Option<String>), EmulatorError> {
        let session_id = match (&options.template, &options.session_id) {
            (_, Some(sid)) => Some(sid.clone()),
            (Some(_), None) => None,
            (None, None) => {
                let user_id = user_id.to_owned();
                let session = self
                    .mutate::<_, EmulatorError>(move |data, now| {
                        Ok((data.create_session(&user_id, None, now)?, Vec::new()))
                    })
                    .await?;
                Some(session.id)
            }
        };
        let minted = self.mint_checked(user_id, session_id.as_deref(), &options)?;
        Ok((minted, session_id))
    }

    /// Mints after checking, under one lock, that the user exists and the session (if any)
    /// is the user's and active.
    pub(crate) fn mint_checked(
        &self,
        user_id: &str,
        session_id: Option<&str>,
        options: &TokenOptions,
    ) -> Result<Minted, EmulatorError> {
        let (user, template) = {
            let state = lock(&self.inner.state);
            let user: User = state.data.user(user_id)?.clone();
            if let Some(sid) = session_id {
                let session = state.data.session(sid)?;
                if session.user_id != user_id {
                    return Err(EmulatorError::SessionUserMismatch {
                        session: sid.to_owned(),
                        user: user_id.to_owned(),
                    });
                }
                let status = session.status_at(now_millis());
                if status != SessionStatus::Active {
                    return Err(EmulatorError::SessionInactive {
                        id: sid.to_owned(),
                        status: status.as_str().to_owned(),
                    });
                }
            }
            let template: Option<Template> = options
                .template
                .as_ref()
                .and_then(|name| state.data.templates.get(name).cloned());
            (user, template)
        };
        let settings = self.settings();
        let lifetime = options
            .lifetime
            .or_else(|| {
                template
                    .as_ref()
                    .and_then(|t| t.lifetime_secs)
                    .map(Duration::from_secs)
            })
            .unwrap_or(Duration::from_secs(settings.token_lifetime_secs));
        let kind = match (&options.template, session_id) {
            (Some(_), _) => Kind::Template {
                template: template.as_ref(),
            },
            (None, Some(session_id)) => Kind::Session {
                session_id,
                custom_claims: !options
                    .omit_custom_claims
                    .unwrap_or(settings.omit_custom_claims),
            },
            (None, None) => {
                return Err(EmulatorError::Config(
                    "a session token needs a session".into(),
                ));
            }
        };
        let key = self.inner.keys.current();
        tokens::mint(
            &key,
            &Mint {
                user: &user,
                base: &self.inner.base,
                issuer: &self.inner.base,
                now: now_millis() / 1000 + settings.clock_offset_secs,
                lifetime,
                expired: options.expired,
                azp: options.azp.as_deref(),
                kind,
            },
        )
    }

    pub(crate) async fn rotate_key(
        &self,
        next: Option<String>,
        grace: Duration,
    ) -> Result<Rotation, EmulatorError> {
        let key_file = self.inner.key_file.clone();
        let key = tokio::task::spawn_blocking(move || -> Result<SigningKey, EmulatorError> {
            let key = match next {
                // A bad key from the caller is bad input, not an emulator failure.
                Some(pem) => {
                    SigningKey::from_pem(&pem).map_err(|e| EmulatorError::Config(e.to_string()))?
                }
                None => SigningKey::generate(keys::DEFAULT_KEY_BITS)?,
            };
            // The new key is the one to keep across restarts.
            if let Some(path) = key_file {
                keys::write_private_key(&path, &key)?;
            }
            Ok(key)
        })
        .await
        .map_err(|e| EmulatorError::Task(e.to_string()))??;
        Ok(self.inner.keys.rotate(key, grace))
    }
}

fn normalise_base_url(mut url: Url) -> Result<Url, EmulatorError> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(EmulatorError::Config(format!(
            "base_url {url} must be an http(s) URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(EmulatorError::Config(format!(
            "base_url {url} must have no query, fragment or credentials"
        )));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
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

fn publishable_key_for(base_url: &Url) -> String {
    let host = base_url.host_str().unwrap_or_default();
    let port = base_url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let host = if host.contains('.') && !host.starts_with('[') {
        format!("{host}{port}")
    } else {
        format!("clerk.emulator.localhost{port}")
    };
    format!("pk_live_{}", STANDARD_NO_PAD.encode(format!("{host}$")))
}

/// Clerk's cookie suffix: the first 8 characters of the URL-safe base64 of the SHA-1 of the
/// publishable key.
pub fn cookie_suffix(publishable_key: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE;
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(publishable_key.as_bytes());
    URL_SAFE.encode(digest).chars().take(8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(pk: &str) -> String {
        let bytes = STANDARD_NO_PAD
            .decode(pk.trim_start_matches("pk_live_"))
            .expect("base64");
        String::from_utf8(bytes).expect("utf8")
    }

    #[test]
    fn publishable_key_names_a_dotted_host() {
        let url = |s| Url::parse(s).expect("url");
        assert_eq!(
            decode(&publishable_key_for(&url("http://127.0.0.1:3000/__clerk"))),
            "127.0.0.1:3000$"
        );
        assert_eq!(
            decode(&publishable_key_for(&url("http://localhost:3100"))),
            "clerk.emulator.localhost:3100$"
        );
        assert_eq!(
            decode(&publishable_key_for(&url("https://dev.example.com"))),
            "dev.example.com$"
        );
    }

    #[test]
    fn the_cookie_suffix_is_clerks() {
        // As clerk-js 6.40.0 named the cookies for this key in Chromium.
        assert_eq!(cookie_suffix("pk_live_MTI3LjAuMC4xOjQ1NTUk"), "DD-LVX2e");
    }

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

    #[test]
    fn base_url_loses_its_trailing_slash() {
        let url = normalise_base_url(Url::parse("http://127.0.0.1:3000/__clerk/").expect("url"))
            .expect("valid");
        assert_eq!(url.as_str(), "http://127.0.0.1:3000/__clerk");
        assert!(normalise_base_url(Url::parse("ftp://x.y").expect("url")).is_err());
        assert!(normalise_base_url(Url::parse("http://x.y/?a=1").expect("url")).is_err());
    }
}
