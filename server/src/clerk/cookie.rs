//! clerk-js's suffix for cookie names (`__session_<suffix>`, `__client_uat_<suffix>`), so that
//! two Clerk apps on one domain keep their cookies apart. A name, not a secret: clerk-js
//! derives it from the publishable key with SHA-1, and the server must find the same names.

use base64::{Engine, engine::general_purpose::URL_SAFE};
use sha1::{Digest, Sha1};

/// The first eight characters of the URL-safe base64 of SHA-1(publishable key).
pub(crate) fn cookie_suffix(publishable_key: &str) -> String {
    let digest = Sha1::digest(publishable_key.as_bytes());
    URL_SAFE.encode(digest).chars().take(8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_is_the_one_clerk_js_names_its_cookies_with() {
        // As clerk-js 6.40.0 named the cookies for this key in Chromium.
        assert_eq!(cookie_suffix("pk_live_MTI3LjAuMC4xOjQ1NTUk"), "DD-LVX2e");
    }
}
