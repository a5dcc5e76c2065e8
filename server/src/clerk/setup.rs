//! Wiring Clerk into the server: from the configuration (real Clerk) or from the offline
//! emulator, the same pieces come out — keys, verifier settings, Backend API settings, the
//! webhook secret and the clerk-js script for the page. Everything downstream runs the same
//! code in both modes, including JWKS and Backend API calls over HTTP.

use std::net::SocketAddr;

use app::ClerkScript;
use url::Url;

use super::{backend::BackendSettings, cookie::cookie_suffix};
use crate::{
    auth::{
        handshake::FrontendApi,
        keys::{JwksSettings, KeyStore},
        verify::VerifierSettings,
    },
    config::{
        ClerkKeys, ClerkMode, Config, ConfigError, ProxySettings, ProxyUrl, Secret, TokenKeys,
    },
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
    /// The emulator's routes, to mount under [`EMULATOR_PREFIX`]; only in emulator mode.
    pub(crate) emulator: Option<axum::Router>,
    /// The Frontend API proxy to mount (`CLERK_FRONTEND_API_PROXY=on`); only in Clerk mode.
    pub(crate) proxy: Option<ProxySettings>,
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
        // Only the emulator is reached through the server's own address.
        #[cfg(not(feature = "emulator"))]
        let _ = addr;
        match &config.clerk_mode {
            ClerkMode::Clerk(keys) => Self::clerk(config, keys, http),
            #[cfg(feature = "emulator")]
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
        let proxy_url = clerk.frontend_api.effective_proxy_url();
        // The handshake goes where clerk-js talks to the Frontend API: through the proxy when
        // there is one.
        let frontend_api = match &proxy_url {
            Some(ProxyUrl::Path(path)) => FrontendApi::Proxy(path.clone()),
            Some(ProxyUrl::Url(url)) => FrontendApi::Url(with_trailing_slash(url)),
            None => FrontendApi::Url(clerk_keys.frontend_api.clone()),
        };
        Ok(Self {
            keys,
            verifier: VerifierSettings {
                authorized_parties: clerk.authorized_parties.clone(),
                issuer: Some(clerk_keys.issuer()),
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
                proxy_url: proxy_url.as_ref().map(ProxyUrl::as_page_value),
                ui_script_url: clerk.clerk_ui_url().unwrap_or_default(),
            },
            cookie_suffix: cookie_suffix(publishable_key.as_str()),
            frontend_api,
            development_instance: !publishable_key.is_live(),
            emulator: None,
            proxy: clerk_keys.proxy.clone(),
        })
    }
}

fn with_trailing_slash(url: &Url) -> Url {
    let mut url = url.clone();
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    url
}

fn join(base: &Url, path: &str) -> Result<Url, String> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path).map_err(|e| e.to_string())
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
