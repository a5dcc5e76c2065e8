//! What an emulator is started with.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use crate::ids;

/// Everything [`crate::Emulator::start`] needs. Build it with [`EmulatorConfig::new`] and
/// change the fields you care about.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Public base URL under which the emulator's router is reachable, no trailing slash.
    /// Mounted in the app: "http://127.0.0.1:3000/__clerk"; standalone: "http://127.0.0.1:3100".
    pub base_url: Url,
    /// PEM file of the RSA signing key: loaded if present, else generated (2048-bit) and
    /// written (mode 0600, parent dirs created). None: generate in memory.
    pub key_file: Option<PathBuf>,
    /// Optional JSON file where users (including deleted ids, never reused), sessions and
    /// JWT templates persist across restarts.
    pub state_file: Option<PathBuf>,
    /// Lifetime of session tokens; Clerk's is 60 s.
    pub token_lifetime: Duration,
    /// `sk_test_…` that Backend API callers must send as `Authorization: Bearer`.
    pub secret_key: String,
    /// Where `user.*` events go. None: events are only recorded in the delivery log.
    pub webhook: Option<WebhookTarget>,
    /// Leave `email`, `firstName`, `lastName`, `imageUrl` out of session tokens, as an
    /// instance whose session token was never customised does.
    pub omit_custom_claims: bool,
    /// Create a few users with fixed ids on first start (no state file yet).
    pub seed_users: bool,
    /// Where the default profile images (`/avatars/<id>.svg`) are linked from, when not the
    /// base URL: e.g. an app's Frontend API proxy, so that a page served over https loads
    /// them from its own origin. None: the base URL.
    pub image_base_url: Option<Url>,
    /// The `dist/` folder of the npm package `@clerk/clerk-js`, served to browsers from the
    /// emulator's own origin (nothing is fetched at run time). Default: [`default_clerk_js_dir`].
    pub clerk_js_dir: PathBuf,
}

/// Where `scripts/setup` installs the pinned clerk-js, relative to the root of the repository
/// this crate lives in.
const CLERK_JS_IN_REPO: &str = "tools/clerk-emulator/clerk-js/node_modules/@clerk/clerk-js/dist";
/// Where npm installs `@clerk/clerk-js` in any Node project (`@clerk/ui` lands beside it).
const CLERK_JS_IN_NODE_PROJECT: &str = "node_modules/@clerk/clerk-js/dist";

/// `CLERK_EMULATOR_CLERK_JS_DIR` when set; otherwise, in the working directory, where
/// `scripts/setup` installs the pinned clerk-js in this crate's repository (`cargo leptos` and
/// the scripts run from its root), then where npm installs it in a Node project (an app that
/// runs the binary from its own folder after `npm install @clerk/clerk-js @clerk/ui`); failing
/// both, in the checkout this crate was built from. The order matters with a shared target
/// directory: a binary built in another clone must still serve this clone's clerk-js.
pub fn default_clerk_js_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    clerk_js_dir_from(std::env::var_os("CLERK_EMULATOR_CLERK_JS_DIR"), &cwd)
}

fn clerk_js_dir_from(setting: Option<std::ffi::OsString>, cwd: &Path) -> PathBuf {
    if let Some(dir) = setting.filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    for candidate in [CLERK_JS_IN_REPO, CLERK_JS_IN_NODE_PROJECT] {
        let installed = cwd.join(candidate);
        if installed.is_dir() {
            return installed;
        }
    }
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/clerk-js/node_modules/@clerk/clerk-js/dist"
    ))
}

/// The webhook endpoint, as configured in Clerk's dashboard.
#[derive(Clone)]
pub struct WebhookTarget {
    pub url: Url,
    /// `whsec_<base64>`, the endpoint's signing secret.
    pub signing_secret: String,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url.as_str())
            .field("signing_secret", &"[redacted]")
            .finish()
    }
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("base_url", &self.base_url.as_str())
            .field("key_file", &self.key_file)
            .field("state_file", &self.state_file)
            .field("token_lifetime", &self.token_lifetime)
            .field("secret_key", &"[redacted]")
            .field("webhook", &self.webhook)
            .field("omit_custom_claims", &self.omit_custom_claims)
            .field("seed_users", &self.seed_users)
            .field("clerk_js_dir", &self.clerk_js_dir)
            .finish()
    }
}

impl WebhookTarget {
    /// A target with a freshly generated signing secret.
    pub fn with_random_secret(url: Url) -> Self {
        Self {
            url,
            signing_secret: random_webhook_secret(),
        }
    }
}

impl EmulatorConfig {
    /// Defaults: in-memory key and state, 60 s tokens, a random `sk_test_` key, no webhook,
    /// custom claims included, seeded users, clerk-js where `scripts/setup` installs it.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            key_file: None,
            state_file: None,
            token_lifetime: Duration::from_secs(60),
            secret_key: random_secret_key(),
            webhook: None,
            omit_custom_claims: false,
            seed_users: true,
            image_base_url: None,
            clerk_js_dir: default_clerk_js_dir(),
        }
    }
}

/// `sk_test_` followed by 40 random alphanumerics, the shape of Clerk's development keys.
pub fn random_secret_key() -> String {
    format!("sk_test_{}", ids::random_alphanumeric(40))
}

/// `whsec_` followed by the base64 of 24 random bytes, as Svix issues them.
pub fn random_webhook_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_have_clerk_and_svix_shapes() {
        let sk = random_secret_key();
        assert!(sk.starts_with("sk_test_") && sk.len() == 48, "{sk}");
        let whsec = random_webhook_secret();
        let decoded = STANDARD
            .decode(whsec.trim_start_matches("whsec_"))
            .expect("base64");
        assert_eq!(decoded.len(), 24);
        assert_ne!(random_secret_key(), sk);
    }

    #[test]
    fn webhook_secret_is_redacted_in_debug() {
        let target =
            WebhookTarget::with_random_secret(Url::parse("http://127.0.0.1:1/hook").expect("url"));
        let shown = format!("{target:?}");
        assert!(!shown.contains(&target.signing_secret), "{shown}");
        let mut config = EmulatorConfig::new(Url::parse("http://127.0.0.1:1").expect("url"));
        config.webhook = Some(target.clone());
        let shown = format!("{config:?}");
        assert!(!shown.contains(&config.secret_key), "{shown}");
        assert!(!shown.contains(&target.signing_secret), "{shown}");
    }

    #[test]
    fn clerk_js_is_found_in_the_checkout_being_run_before_the_one_built_from() {
        let setting = Some(std::ffi::OsString::from("/opt/clerk-js/dist"));
        assert_eq!(
            clerk_js_dir_from(setting, Path::new("/nowhere")),
            PathBuf::from("/opt/clerk-js/dist")
        );

        let checkout = std::env::temp_dir().join(format!("clerk-js-dir-{}", std::process::id()));
        let installed = checkout.join(CLERK_JS_IN_REPO);
        std::fs::create_dir_all(&installed).expect("create");
        let found = clerk_js_dir_from(Some(std::ffi::OsString::new()), &checkout);
        std::fs::remove_dir_all(&checkout).expect("clean up");
        assert_eq!(found, installed);

        let project = std::env::temp_dir().join(format!("clerk-js-node-{}", std::process::id()));
        let installed = project.join(CLERK_JS_IN_NODE_PROJECT);
        std::fs::create_dir_all(&installed).expect("create");
        let found = clerk_js_dir_from(None, &project);
        std::fs::remove_dir_all(&project).expect("clean up");
        assert_eq!(found, installed, "a Node project's own install");

        let built_from = clerk_js_dir_from(None, Path::new("/nowhere"));
        assert!(
            built_from.starts_with(env!("CARGO_MANIFEST_DIR")),
            "{built_from:?}"
        );
    }
}
