//! Where the app's sign-in and sign-up pages are (Clerk's components are mounted there), where
//! they send people afterwards, and how a page asks to come back after signing in.

use crate::redirect::same_site_target;

/// The page that mounts Clerk's `<SignIn/>`; `Clerk.load` is told so (`signInUrl`).
pub const SIGN_IN_PATH: &str = "/sign-in";
/// The page that mounts Clerk's `<SignUp/>` (`signUpUrl`).
pub const SIGN_UP_PATH: &str = "/sign-up";
/// Where signing in or up lands when no page asked (`sign{In,Up}FallbackRedirectUrl`).
pub const AFTER_SIGN_IN_PATH: &str = "/dashboard";

/// A return URL that stays on this site, by the one redirect rule
/// ([`same_site_target`](crate::redirect::same_site_target)). Anything else (another origin,
/// `//evil.example`, `/\t/evil.example`, `javascript:`), or no URL at all, becomes the
/// dashboard.
pub fn safe_return_path(candidate: Option<&str>) -> String {
    candidate
        .filter(|candidate| !candidate.is_empty())
        .and_then(same_site_target)
        .unwrap_or_else(|| AFTER_SIGN_IN_PATH.to_owned())
}

/// The sign-in page for coming back to `path` afterwards.
pub fn sign_in_path(path: &str) -> String {
    with_return(SIGN_IN_PATH, path)
}

/// The sign-up page for coming back to `path` afterwards.
pub fn sign_up_path(path: &str) -> String {
    with_return(SIGN_UP_PATH, path)
}

/// The return path goes through the redirect rule here too, so that a sign-in link never
/// carries a target the sign-in page would refuse.
fn with_return(page: &str, path: &str) -> String {
    let path = safe_return_path(Some(path));
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("{page}?redirect_url={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(
            safe_return_path(Some("/dashboard?tab=1")),
            "/dashboard?tab=1"
        );
        for unsafe_path in [
            "https://evil.example/",
            "//evil.example",
            "/\\\\evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "",
        ] {
            assert_eq!(
                safe_return_path(Some(unsafe_path)),
                "/dashboard",
                "{unsafe_path}"
            );
        }
        assert_eq!(safe_return_path(None), "/dashboard");
    }

    #[test]
    fn a_return_path_that_a_browser_reads_as_another_host_is_refused() {
        // Found by the `return_path` fuzz target: browsers drop tabs and newlines from URLs,
        // so `/<tab>/host` is `//host`, another site.
        for unsafe_path in [
            "/\t/=\t\0/d\t\0\0\0\0\0\0A/\0\0j\0\u{e}",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example/",
        ] {
            assert_eq!(
                safe_return_path(Some(unsafe_path)),
                "/dashboard",
                "{unsafe_path:?}"
            );
        }
    }

    #[test]
    fn the_sign_in_path_encodes_the_return_path() {
        assert_eq!(
            sign_in_path("/dashboard"),
            "/sign-in?redirect_url=/dashboard"
        );
        assert_eq!(
            sign_in_path("/dashboard?a=1&b=2"),
            "/sign-in?redirect_url=/dashboard%3Fa%3D1%26b%3D2"
        );
        assert_eq!(sign_up_path("/profile"), "/sign-up?redirect_url=/profile");
    }
}
