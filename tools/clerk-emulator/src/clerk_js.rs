//! The real clerk-js, served from the emulator's own origin: its browser bundle and the lazy
//! chunks it loads from beside itself. The URL carries the exact version, so every file can
//! be cached for good; nothing is fetched from anywhere at run time.

use std::path::{Path as FsPath, PathBuf};

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ClerkApiError;
use crate::{Emulator, EmulatorError};

/// The installed clerk-js: where its files are and which version they are.
#[derive(Debug, Clone)]
pub(crate) struct ClerkJs {
    pub dir: PathBuf,
    pub version: String,
}

impl ClerkJs {
    /// Reads the version from the package beside `dist/`; a missing install is a start-up
    /// error that says how to install it.
    pub(crate) fn locate(dist: &FsPath) -> Result<Self, EmulatorError> {
        let manifest = dist.join("..").join("package.json");
        let missing = || {
            EmulatorError::Config(format!(
                "clerk-js is not installed at {}: run scripts/setup (it installs the pinned \
                 @clerk/clerk-js from npm), or point CLERK_EMULATOR_CLERK_JS_DIR at its dist/ folder",
                dist.display()
            ))
        };
        if !dist.join("clerk.browser.js").is_file() {
            return Err(missing());
        }
        let text = std::fs::read_to_string(&manifest).map_err(|_| missing())?;
        let package: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| EmulatorError::Config(format!("{}: {e}", manifest.display())))?;
        let version = package["version"]
            .as_str()
            .filter(|v| v.starts_with("6."))
            .ok_or_else(|| {
                EmulatorError::Config(format!(
                    "{} is not @clerk/clerk-js 6 (the version the emulator speaks to)",
                    manifest.display()
                ))
            })?
            .to_owned();
        Ok(Self {
            dir: dist.to_owned(),
            version,
        })
    }

    /// `/npm/@clerk/clerk-js@<version>/dist`, relative to the emulator's base.
    pub(crate) fn path_prefix(&self) -> String {
        format!("/npm/@clerk/clerk-js@{}/dist", self.version)
    }
}

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
    Path((version, file)): Path<(String, String)>,
) -> Result<Response, ClerkApiError> {
    let clerk_js = &emulator.inner.clerk_js;
    let version = version.strip_prefix("clerk-js@").unwrap_or(&version);
    if version != clerk_js.version || !safe_name(&file) {
        return Err(ClerkApiError::not_found(format!("clerk-js file {file}")));
    }
    let content_type = match FsPath::new(&file).extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("map") => "application/json",
        Some("css") => "text/css; charset=utf-8",
        _ => return Err(ClerkApiError::not_found(format!("clerk-js file {file}"))),
    };
    let bytes = tokio::fs::read(clerk_js.dir.join(&file))
        .await
        .map_err(|_| ClerkApiError::not_found(format!("clerk-js file {file}")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The version is in the URL: a file under it never changes.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
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

    #[test]
    fn a_missing_install_says_how_to_install_it() {
        let error = ClerkJs::locate(FsPath::new("/nonexistent/dist")).expect_err("missing");
        assert!(error.to_string().contains("scripts/setup"), "{error}");
    }
}
