//! The state file: users, deleted ids, sessions, clients and templates across restarts.

use std::path::PathBuf;

use crate::EmulatorError;
use crate::core::store::StateData;

/// Writes the state file so that the newest snapshot always wins, even when two changes
/// finish writing in the opposite order they were made.
pub(crate) struct Persister {
    path: PathBuf,
    last_written: tokio::sync::Mutex<u64>,
}

impl Persister {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            last_written: tokio::sync::Mutex::new(0),
        }
    }

    pub(crate) async fn write(&self, version: u64, bytes: Vec<u8>) -> Result<(), EmulatorError> {
        let mut last = self.last_written.lock().await;
        if version <= *last {
            return Ok(());
        }
        let fail = |e: std::io::Error| EmulatorError::State {
            path: self.path.display().to_string(),
            message: e.to_string(),
        };
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(fail)?;
        }
        // Write then rename, so a crash mid-write never leaves a truncated state file.
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        tokio::fs::write(&tmp, bytes).await.map_err(fail)?;
        // It holds the browsers' `__client` secrets: owner only, like the key file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
                .await
                .map_err(fail)?;
        }
        tokio::fs::rename(&tmp, &self.path).await.map_err(fail)?;
        *last = version;
        Ok(())
    }

    pub(crate) async fn load(&self) -> Result<Option<StateData>, EmulatorError> {
        match tokio::fs::read(&self.path).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                EmulatorError::State {
                    path: self.path.display().to_string(),
                    message: format!(
                        "not a clerk-emulator state file ({e}); fix or remove it to start afresh"
                    ),
                }
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(EmulatorError::State {
                path: self.path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }
}
