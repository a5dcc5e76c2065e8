//! Where the sign-in route sends people, and how a page asks to come back after signing in.

/// A return URL that stays on this site: a path starting with one `/`. Anything else
/// (another origin, `//evil.example`, `javascript:`) becomes the dashboard.
pub(super) fn safe_return_path(candidate: Option<&str>) -> String {
    match candidate {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/dashboard".to_owned(),
    }
}

/// The sign-in route for coming back to `path` afterwards.
pub(super) fn sign_in_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("/sign-in?redirect_url={encoded}")
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
    fn the_sign_in_path_encodes_the_return_path() {
        assert_eq!(
            sign_in_path("/dashboard"),
            "/sign-in?redirect_url=/dashboard"
        );
        assert_eq!(
            sign_in_path("/dashboard?a=1&b=2"),
            "/sign-in?redirect_url=/dashboard%3Fa%3D1%26b%3D2"
        );
    }
}
