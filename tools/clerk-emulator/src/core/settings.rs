//! Settings that can change while the emulator runs.

use serde::{Deserialize, Serialize};

use super::Emulator;
use super::locks::lock;

/// Settings that can change while the emulator runs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Settings {
    pub clock_offset_secs: i64,
    pub token_lifetime_secs: u64,
    pub omit_custom_claims: bool,
    /// This many handshakes hand out an already expired session token (a handshake that
    /// does not help), to test an app's redirect-loop protection.
    pub failing_handshakes: u32,
}

impl Emulator {
    /// Whether this handshake is one of the failing ones the settings ask for (counting it).
    pub(crate) fn take_failing_handshake(&self) -> bool {
        let mut settings = lock(&self.inner.settings);
        if settings.failing_handshakes == 0 {
            return false;
        }
        settings.failing_handshakes -= 1;
        true
    }

    pub(crate) fn settings(&self) -> Settings {
        *lock(&self.inner.settings)
    }

    pub(crate) fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = lock(&self.inner.settings);
        f(&mut settings);
        *settings
    }
}
