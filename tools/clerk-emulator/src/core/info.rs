//! What the host app and its tests configure themselves with: keys, URLs, versions.

use url::Url;

use super::Emulator;
use super::tokens::TokenOptions;
use crate::EmulatorError;

impl Emulator {
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

    /// Mint a session token for a user directly (tests). Without `options.session_id` a new
    /// session is started for the user (cookie-less, so only the control API ends it).
    pub async fn mint_session_token(
        &self,
        user_id: &str,
        options: TokenOptions,
    ) -> Result<String, EmulatorError> {
        Ok(self.mint_token(user_id, options).await?.0.jwt)
    }

    pub(crate) fn base(&self) -> &str {
        &self.inner.base
    }

    /// What the default profile images' URLs start with (`{image_base}/avatars/<id>.svg`):
    /// the base URL unless configured otherwise.
    pub(crate) fn image_base(&self) -> &str {
        &self.inner.image_base
    }

    pub(crate) fn url(&self, path: &str) -> Url {
        // The base parsed as a URL, so base + absolute path is a URL too.
        Url::parse(&format!("{}{path}", self.inner.base))
            .unwrap_or_else(|_| self.inner.base_url.clone())
    }

    /// Path prefix of the router, without a trailing slash ("" when mounted at the root).
    pub(crate) fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The emulator's own origin (`scheme://host[:port]`).
    pub(crate) fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The JWKS: the current key and the rotated-out keys still published.
    pub(crate) fn jwks(&self) -> serde_json::Value {
        self.inner.keys.jwks()
    }

    /// The published keys and, for rotated-out ones, until when they stay published.
    pub(crate) fn published_keys(
        &self,
    ) -> Vec<(
        std::sync::Arc<super::keys::SigningKey>,
        Option<std::time::Instant>,
    )> {
        self.inner.keys.published()
    }

    /// Where webhooks go, when a target is configured.
    pub(crate) fn webhook_url(&self) -> Option<Url> {
        self.inner.webhooks.target_url().cloned()
    }

    /// The webhook delivery log.
    pub(crate) fn webhook_deliveries(&self) -> serde_json::Value {
        serde_json::json!(self.inner.webhooks.deliveries())
    }

    /// The folder that serves the npm package `package` (`clerk-js@<version>` or
    /// `ui@<version>`, or their major tags), if the emulator serves it.
    pub(crate) fn npm_package_dir(
        &self,
        package: &str,
    ) -> Option<(&std::path::Path, super::clerk_js::NpmVersion)> {
        self.inner.clerk_js.dir_for(package)
    }
}
