//! Wiring Clerk into the server: from the configuration (real Clerk) or from the offline
//! emulator, the same pieces come out — keys, verifier settings, Backend API settings, the
//! webhook secret and the clerk-js script for the page. Everything downstream runs the same
//! code in both modes, including JWKS and Backend API calls over HTTP.

use std::net::SocketAddr;

use app::ClerkScript;
use base64::{Engine, engine::general_purpose::STANDARD};
use clerk_emulator::{Emulator, EmulatorConfig, WebhookTarget};
use url::Url;

use super::backend::BackendSettings;
use crate::{
    auth::{
        handshake::FrontendApi,
        keys::{JwksSettings, KeyStore},
        verify::VerifierSettings,
    },
    config::{ClerkKeys, ClerkMode, Config, ConfigError, Secret, TokenKeys},
};

/// Where the emulator is mounted in the app. Reserved: no app route lives under it.
pub(crate) const EMULATOR_PREFIX: &str = "/__clerk";

pub(crate) struct ClerkSetup {
    pub(crate) keys: KeyStore,
    pub(crate) verifier: VerifierSettings,
    pub(crate) backend: Option<BackendSettings>,
    pub(crate) webhook_secret: Option<Secret>,
    pub(crate) script: ClerkScript,
    /// clerk-js's suffix for cookie names, from the publishable key.
    pub(crate) cookie_suffix: String,
    /// Where document navigations go for Clerk's handshake.
    pub(crate) frontend_api: FrontendApi,
    /// A development instance (`pk_test_` key): its handshake needs the dev-browser token.
    pub(crate) development_instance: bool,
    pub(crate) emulator: Option<Emulator>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClerkSetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the Clerk emulator refused to start: {0}")]
    Guard(String),
    #[error("the Clerk emulator failed to start: {0}")]
    Emulator(String),
}

impl ClerkSetup {
    /// `addr` is the address the server listens on: the emulator is reached through it.
    pub(crate) async fn new(
        config: &Config,
        addr: SocketAddr,
        http: &reqwest::Client,
    ) -> Result<Self, ClerkSetupError> {
        match &config.clerk_mode {
            ClerkMode::Clerk(keys) => Self::clerk(config, keys, http),
            ClerkMode::Emulator => Self::emulator(config, addr, http).await,
        }
    }

    fn clerk(
        config: &Config,
        clerk_keys: &ClerkKeys,
        http: &reqwest::Client,
    ) -> Result<Self, ClerkSetupError> {
        let clerk = &config.clerk;
        let keys = match &clerk_keys.token_keys {
            TokenKeys::Pem(pem) => {
                KeyStore::from_pem(pem).map_err(|p| ConfigError::new("CLERK_JWT_KEY", p))?
            }
            TokenKeys::JwksUrl(url) => {
                KeyStore::remote(JwksSettings::new(url.clone(), None), http.clone())
            }
            TokenKeys::BackendApi(secret) => {
                let url = join(&clerk.api_url, "v1/jwks")
                    .map_err(|p| ConfigError::new("CLERK_API_URL", p))?;
                KeyStore::remote(JwksSettings::new(url, Some(secret.clone())), http.clone())
            }
        };
        let publishable_key = &clerk_keys.publishable_key;
        Ok(Self {
            keys,
            verifier: VerifierSettings {
                authorized_parties: clerk.authorized_parties.clone(),
                issuer: Some(publishable_key.issuer()),
                ..VerifierSettings::default()
            },
            backend: clerk
                .secret_key
                .as_ref()
                .map(|secret| BackendSettings::new(clerk.api_url.clone(), secret.clone())),
            webhook_secret: clerk.webhook_signing_secret.clone(),
            script: ClerkScript {
                publishable_key: publishable_key.as_str().to_owned(),
                script_url: clerk.clerk_js_url().unwrap_or_default(),
                proxy_url: None,
                ui_script_url: clerk.clerk_ui_url().unwrap_or_default(),
            },
            cookie_suffix: clerk_emulator::cookie_suffix(publishable_key.as_str()),
            frontend_api: FrontendApi::Url(
                Url::parse(&format!("{}/", publishable_key.issuer()))
                    .map_err(|e| ConfigError::new("CLERK_PUBLISHABLE_KEY", e.to_string()))?,
            ),
            development_instance: !publishable_key.is_live(),
            emulator: None,
        })
    }

    async fn emulator(
        config: &Config,
        addr: SocketAddr,
        http: &reqwest::Client,
    ) -> Result<Self, ClerkSetupError> {
        // Belt and braces: the configuration already refused production and real keys; the
        // emulator's own guard checks the process environment as well.
        clerk_emulator::guard::check(|name| std::env::var(name).ok())
            .map_err(|e| ClerkSetupError::Guard(e.to_string()))?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        let origin = format!("http://{host}");
        let base_url = Url::parse(&format!("{origin}{EMULATOR_PREFIX}"))
            .map_err(|e| ClerkSetupError::Emulator(e.to_string()))?;
        let webhook_url = Url::parse(&format!("{origin}/api/webhooks/clerk"))
            .map_err(|e| ClerkSetupError::Emulator(e.to_string()))?;
        let webhook_secret = format!("whsec_{}", STANDARD.encode(rand_bytes()));
        let settings = &config.emulator;
        let mut emulator_config = EmulatorConfig::new(base_url);
        emulator_config.key_file = settings.key_file.clone();
        emulator_config.state_file = settings.state_file.clone();
        emulator_config.token_lifetime = settings.token_lifetime;
        emulator_config.omit_custom_claims = settings.omit_custom_claims;
        if let Some(secret_key) = &settings.secret_key {
            emulator_config.secret_key = secret_key.expose().to_owned();
        }
        emulator_config.webhook = Some(WebhookTarget {
            url: webhook_url,
            signing_secret: webhook_secret.clone(),
        });
        let emulator = Emulator::start(emulator_config)
            .await
            .map_err(|e| ClerkSetupError::Emulator(e.to_string()))?;
        tracing::warn!(
            sign_in = %emulator.sign_in_url(),
            // Development only: printed so that scripts can drive the emulator's Backend API
            // (Clerk's SDKs) without setting CLERK_EMULATOR_SECRET_KEY.
            backend_api = %emulator.api_url(),
            secret_key = emulator.secret_key(),
            "THE CLERK EMULATOR IS ACTIVE: no Clerk keys are configured, so sign-in is offline \
             and anyone can sign in as anyone. Development and tests only; set CLERK_* keys \
             for real use."
        );
        let secret = Secret::new(emulator.secret_key());
        Ok(Self {
            keys: KeyStore::remote(
                JwksSettings::new(emulator.jwks_url(), Some(secret.clone())),
                http.clone(),
            ),
            verifier: VerifierSettings {
                authorized_parties: config.clerk.authorized_parties.clone(),
                issuer: Some(emulator.issuer()),
                ..VerifierSettings::default()
            },
            backend: Some(BackendSettings::new(emulator.api_url(), secret)),
            webhook_secret: Some(Secret::new(webhook_secret)),
            script: ClerkScript {
                publishable_key: emulator.publishable_key(),
                // Same-origin and relative: a page opened as localhost must not load the
                // script (and so its cookies) from 127.0.0.1, another site to the browser.
                script_url: emulator.script_url().path().to_owned(),
                // Clerk's proxy mode: the real clerk-js reaches the emulator's Frontend API
                // on the app's own origin.
                proxy_url: Some(EMULATOR_PREFIX.to_owned()),
                // Clerk's components, beside clerk-js and on the same terms.
                ui_script_url: emulator.ui_script_url().path().to_owned(),
            },
            cookie_suffix: emulator.cookie_suffix().to_owned(),
            frontend_api: FrontendApi::Proxy(EMULATOR_PREFIX.to_owned()),
            // The emulator is a production instance (`pk_live_`): no dev-browser flow.
            development_instance: false,
            emulator: Some(emulator),
        })
    }
}

fn join(base: &Url, path: &str) -> Result<Url, String> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path).map_err(|e| e.to_string())
}

fn rand_bytes() -> [u8; 24] {
    rand::random()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jwks_path_is_joined_under_the_api_url() {
        let api = Url::parse("https://api.clerk.com").unwrap();
        assert_eq!(
            join(&api, "v1/jwks").unwrap().as_str(),
            "https://api.clerk.com/v1/jwks"
        );
        let nested = Url::parse("http://127.0.0.1:3000/__clerk").unwrap();
        assert_eq!(
            join(&nested, "v1/jwks").unwrap().as_str(),
            "http://127.0.0.1:3000/__clerk/v1/jwks"
        );
    }
}
