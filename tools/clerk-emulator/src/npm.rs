//! The real clerk-js and Clerk's components (`@clerk/ui`), served from the emulator's own
//! origin under the paths Clerk's Frontend API serves them at: each browser bundle and the
//! lazy chunks it loads from beside itself. A URL with the exact version is cached for good;
//! one with a major tag (`@6`, as Clerk's own script URLs have it) for five minutes. Nothing
//! is fetched from anywhere at run time. Which packages and
//! versions are installed is the core's (`core::clerk_js`).

use std::path::Path as FsPath;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::Emulator;
use crate::core::NpmVersion;
use crate::error::ClerkApiError;

/// A file name of the bundle: no folders, nothing that could climb out of `dist/`.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

pub(crate) async fn serve(
    State(emulator): State<Emulator>,
    Path((package, file)): Path<(String, String)>,
) -> Result<Response, ClerkApiError> {
    let Some((dir, version)) = emulator
        .npm_package_dir(&package)
        .filter(|_| safe_name(&file))
    else {
        return Err(ClerkApiError::not_found(format!(
            "@clerk/{package} file {file}"
        )));
    };
    let content_type = match FsPath::new(&file).extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("map") => "application/json",
        Some("css") => "text/css; charset=utf-8",
        _ => {
            return Err(ClerkApiError::not_found(format!(
                "@clerk/{package} file {file}"
            )));
        }
    };
    let bytes = tokio::fs::read(dir.join(&file))
        .await
        .map_err(|_| ClerkApiError::not_found(format!("@clerk/{package} file {file}")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(match version {
            // The version is in the URL: a file under it never changes.
            NpmVersion::Exact => "public, max-age=31536000, immutable",
            NpmVersion::MajorTag => "public, max-age=300",
        }),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_are_served() {
        assert!(safe_name("clerk.browser.js"));
        assert!(safe_name("zxcvbn-common_clerk.browser_a68c22_6.40.0.js"));
        assert!(!safe_name("../package.json"));
        assert!(!safe_name(".env"));
        assert!(!safe_name("types/index.d.ts"));
        assert!(!safe_name("a%2F..%2Fb"));
        assert!(!safe_name(""));
    }
}
