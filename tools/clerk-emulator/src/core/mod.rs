//! The emulator's core: its state and the only code that changes it. HTTP modules (the
//! Frontend API, the Backend API, the control API, the sign-in page, the npm assets) call the
//! methods of [`Emulator`] and never reach into its fields, which are private to this module:
//!
//! - this file: the [`Emulator`] handle, its private state and [`Emulator::start`];
//! - `info`: what the host app configures itself with (keys, URLs, versions);
//! - `origins`: the origins allowed besides the emulator's own;
//! - `state`: reading the data and changing it (webhooks queued, state file written);
//! - `minting`: session, template and handshake tokens, and key rotation;
//! - `settings`: what can change while it runs (clock offset, token lifetime…);
//! - `faults`: the Backend API failure switch, the call counters and the token fault;
//! - the data and its rules: `store`, `keys`, `tokens`, `webhooks`, `state_file`, `password`,
//!   `clerk_js` (the installed clerk-js and `@clerk/ui`), `locks`.

mod clerk_js;
pub(crate) use clerk_js::NpmVersion;
pub(crate) mod faults;
mod info;
pub(crate) mod keys;
pub(crate) mod locks;
mod minting;
mod origins;
pub(crate) mod password;
mod settings;
mod state;
mod state_file;
pub(crate) mod store;
pub(crate) mod tokens;
mod webhooks;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use url::Url;

use clerk_js::ClerkJs;
use faults::{Failure, TokenFault};
use keys::KeyRing;
use state::Versioned;
use state_file::Persister;
use webhooks::Webhooks;

pub(crate) use settings::Settings;

use crate::{EmulatorConfig, EmulatorError};

/// The `instance_id` of webhook envelopes. Fixed, so that logs and fixtures stay comparable.
pub(crate) const INSTANCE_ID: &str = "ins_2clerkEmulator0000000000";
/// Shortest and longest token lifetime the emulator accepts.
pub(crate) const LIFETIME_RANGE: (u64, u64) = (1, 86_400);

/// An offline Clerk. Cheap to clone: every clone is the same emulator.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

/// The emulator's state, private to the core: only the core's methods read or change it.
struct Inner {
    /// The base URL as text without a trailing slash, the prefix of every URL it hands out.
    base: String,
    base_url: Url,
    /// Path prefix of the router, without a trailing slash ("" when mounted at the root).
    base_path: String,
    /// The prefix of the default profile images' URLs, without a trailing slash: the base,
    /// unless the configuration names another (`EmulatorConfig::image_base_url`).
    image_base: String,
    origin: String,
    secret_key: String,
    webhook_secret: Option<String>,
    publishable_key: String,
    key_file: Option<PathBuf>,
    keys: KeyRing,
    settings: Mutex<Settings>,
    state: Mutex<Versioned>,
    persister: Option<Persister>,
    webhooks: Arc<Webhooks>,
    failure: Mutex<Option<Failure>>,
    token_fault: Mutex<Option<TokenFault>>,
    clerk_js: ClerkJs,
    /// clerk-js's suffix for cookie names, derived from the publishable key.
    cookie_suffix: String,
    calls: Mutex<BTreeMap<&'static str, u64>>,
    allowed_origins: RwLock<Vec<String>>,
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
        let clerk_js = ClerkJs::locate(&config.clerk_js_dir)?;
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
        let image_base = config.image_base_url.as_ref().map_or_else(
            || base.clone(),
            |url| url.as_str().trim_end_matches('/').to_owned(),
        );
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
                image_base,
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
                state: Mutex::new(Versioned::new(loaded.unwrap_or_default())),
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
    fn base_url_loses_its_trailing_slash() {
        let url = normalise_base_url(Url::parse("http://127.0.0.1:3000/__clerk/").expect("url"))
            .expect("valid");
        assert_eq!(url.as_str(), "http://127.0.0.1:3000/__clerk");
        assert!(normalise_base_url(Url::parse("ftp://x.y").expect("url")).is_err());
        assert!(normalise_base_url(Url::parse("http://x.y/?a=1").expect("url")).is_err());
    }
}
