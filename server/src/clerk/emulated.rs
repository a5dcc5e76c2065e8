//! The offline emulator as this process's Clerk (development and tests only; the release
//! bundle is built without the `emulator` feature and so without this module): it is mounted
//! under [`EMULATOR_PREFIX`] and reached over HTTP like real Clerk, so everything downstream
//! runs the Clerk-mode code.

use std::net::SocketAddr;

use app::ClerkScript;
use base64::{Engine, engine::general_purpose::STANDARD};
use clerk_emulator::{Emulator, EmulatorConfig, WebhookTarget};
use url::Url;

use super::{
    backend::BackendSettings,
    setup::{ClerkSetup, ClerkSetupError, EMULATOR_PREFIX},
};
use crate::{
    auth::{
        handshake::FrontendApi,
        keys::{JwksSettings, KeyStore},
        verify::VerifierSettings,
    },
    config::{Config, Secret},
};

impl ClerkSetup {
    pub(super) async fn emulator(
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
            emulator: Some(emulator.router()),
            proxy: None,
        })
    }
}

fn rand_bytes() -> [u8; 24] {
    rand::random()
}
