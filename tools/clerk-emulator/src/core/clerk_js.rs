//! The real clerk-js and Clerk's components (`@clerk/ui`) as installed from npm: where their
//! files are, which versions they are, and which package names the emulator serves them
//! under (the exact version: every file can be cached for good). `crate::npm` serves them.

use std::path::{Path as FsPath, PathBuf};

use crate::EmulatorError;

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

    /// The folder that serves `package`, and whether the URL named the exact version:
    /// `clerk-js@<version>` and `ui@<version>`, or the major tags `clerk-js@6` and `ui@1`
    /// that Clerk's own script URLs use (Clerk's Frontend API serves the latest release of the
    /// major line under them; here that is the installed one).
    pub(super) fn dir_for(&self, package: &str) -> Option<(&FsPath, NpmVersion)> {
        let served = [
            ("clerk-js@", self.version.as_str(), &self.dir),
            ("ui@", self.ui_version.as_str(), &self.ui_dir),
        ];
        served.into_iter().find_map(|(name, version, dir)| {
            let asked = package.strip_prefix(name)?;
            if asked == version {
                Some((dir.as_path(), NpmVersion::Exact))
            } else if version.split('.').next() == Some(asked) {
                Some((dir.as_path(), NpmVersion::MajorTag))
            } else {
                None
            }
        })
    }
}

/// How precisely a URL named the package's version, which decides how long it may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NpmVersion {
    /// The exact version: the files under it never change.
    Exact,
    /// A major tag (`@6`): it moves to the next release of the line, so it is cached briefly.
    MajorTag,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_installed_versions_and_their_major_tags_are_served() {
        let installed = ClerkJs {
            dir: "/js".into(),
            version: "6.40.0".into(),
            ui_dir: "/ui".into(),
            ui_version: "1.34.0".into(),
        };
        let js = Some((FsPath::new("/js"), NpmVersion::Exact));
        assert_eq!(installed.dir_for("clerk-js@6.40.0"), js);
        let ui = Some((FsPath::new("/ui"), NpmVersion::Exact));
        assert_eq!(installed.dir_for("ui@1.34.0"), ui);
        let js_tag = Some((FsPath::new("/js"), NpmVersion::MajorTag));
        assert_eq!(installed.dir_for("clerk-js@6"), js_tag);
        let ui_tag = Some((FsPath::new("/ui"), NpmVersion::MajorTag));
        assert_eq!(installed.dir_for("ui@1"), ui_tag);
        for other in [
            "clerk-js@5",
            "clerk-js@6.40",
            "clerk-js@6.39.0",
            "clerk-js@",
            "ui@6.40.0",
            "ui@6",
            "clerk-js@1.34.0",
            "clerk-js@1",
            "backend@6.40.0",
            "6.40.0",
            "6",
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
