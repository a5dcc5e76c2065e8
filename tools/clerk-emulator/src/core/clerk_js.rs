//! The real clerk-js and Clerk's components (`@clerk/ui`), served from the emulator's own
//! origin under the paths Clerk's Frontend API serves them at: each browser bundle and the
//! lazy chunks it loads from beside itself. The URL carries the exact version, so every file
//! can be cached for good; nothing is fetched from anywhere at run time.

use std::path::{Path as FsPath, PathBuf};

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ClerkApiError;
use crate::{Emulator, EmulatorError};

/// The installed clerk-js and `@clerk/ui`: where their files are and which versions they are.
#[derive(Debug, Clone)]
pub(crate) struct ClerkJs {
    pub dir: PathBuf,
    pub version: String,
    /// `@clerk/ui`'s `dist/`: clerk-js 6 has no components of its own; the page loads
    /// `ui.browser.js`, which registers `window.__internal_ClerkUICtor` for `Clerk.load`.
    pub ui_dir: PathBuf,
    pub ui_version: String,
}

impl ClerkJs {
    /// Reads the versions from the packages beside `dist/` (`@clerk/ui` is installed next to
    /// `@clerk/clerk-js`, from the same lock file); a missing install is a start-up error that
    /// says how to install it.
    pub(crate) fn locate(dist: &FsPath) -> Result<Self, EmulatorError> {
        let version = package_version(dist, "clerk-js", "clerk.browser.js", "6.")?;
        let ui_dir = dist.join("..").join("..").join("ui").join("dist");
        let ui_version = package_version(&ui_dir, "ui", "ui.browser.js", "1.")?;
        Ok(Self {
            dir: dist.to_owned(),
            version,
            ui_dir,
            ui_version,
        })
    }

    /// `/npm/@clerk/clerk-js@<version>/dist`, relative to the emulator's base.
    pub(crate) fn path_prefix(&self) -> String {
        format!("/npm/@clerk/clerk-js@{}/dist", self.version)
    }

    /// `/npm/@clerk/ui@<version>/dist`, relative to the emulator's base: the path Clerk's
    /// Frontend API serves the components at, and the one `ui.browser.js` expects to load
    /// its chunks from (it derives their URL from its own).
    pub(crate) fn ui_path_prefix(&self) -> String {
        format!("/npm/@clerk/ui@{}/dist", self.ui_version)
    }

    /// The folder that serves `package` (`clerk-js@<version>` or `ui@<version>`), if any.
    fn dir_for(&self, package: &str) -> Option<&FsPath> {
        if package.strip_prefix("clerk-js@") == Some(self.version.as_str()) {
            Some(&self.dir)
        } else if package.strip_prefix("ui@") == Some(self.ui_version.as_str()) {
            Some(&self.ui_dir)
        } else {
            None
        }
    }
}

/// The version of the npm package `@clerk/<name>` whose `dist/` is `dist`, which must hold
/// `entry` and have a version starting with `major`.
fn package_version(
    dist: &FsPath,
    name: &str,
    entry: &str,
    major: &str,
) -> Result<String, EmulatorError> {
    let manifest = dist.join("..").join("package.json");
    let missing = || {
        EmulatorError::Config(format!(
            "@clerk/{name} is not installed at {}: run scripts/setup (it installs the pinned \
             @clerk/clerk-js and @clerk/ui from npm), or point CLERK_EMULATOR_CLERK_JS_DIR at \
             clerk-js's dist/ folder (with @clerk/ui installed beside it)",
            dist.display()
        ))
    };
    if !dist.join(entry).is_file() {
        return Err(missing());
    }
    let text = std::fs::read_to_string(&manifest).map_err(|_| missing())?;
    let package: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EmulatorError::Config(format!("{}: {e}", manifest.display())))?;
    Ok(package["version"]
        .as_str()
        .filter(|v| v.starts_with(major))
        .ok_or_else(|| {
            EmulatorError::Config(format!(
                "{} is not @clerk/{name} {major}x (the version the emulator serves)",
                manifest.display()
            ))
        })?
        .to_owned())
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
    Path((package, file)): Path<(String, String)>,
) -> Result<Response, ClerkApiError> {
    let Some(dir) = emulator
        .inner
        .clerk_js
        .dir_for(&package)
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
    fn only_the_installed_versions_are_served() {
        let installed = ClerkJs {
            dir: "/js".into(),
            version: "6.40.0".into(),
            ui_dir: "/ui".into(),
            ui_version: "1.34.0".into(),
        };
        assert_eq!(
            installed.dir_for("clerk-js@6.40.0"),
            Some(FsPath::new("/js"))
        );
        assert_eq!(installed.dir_for("ui@1.34.0"), Some(FsPath::new("/ui")));
        for other in [
            "clerk-js@6",
            "ui@1",
            "ui@6.40.0",
            "clerk-js@1.34.0",
            "backend@6.40.0",
            "6.40.0",
        ] {
            assert_eq!(installed.dir_for(other), None, "{other}");
        }
    }

    #[test]
    fn a_missing_install_says_how_to_install_it() {
        let error = ClerkJs::locate(FsPath::new("/nonexistent/dist")).expect_err("missing");
        assert!(error.to_string().contains("scripts/setup"), "{error}");
    }
}
