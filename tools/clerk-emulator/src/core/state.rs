//! The emulator's data, read under its lock and changed in one place, so that webhooks leave
//! in the order the changes were made and the state file follows every change.

use super::Emulator;
use super::locks::lock;
use super::store::{StateData, StoreError, StoreEvent};
use crate::{EmulatorError, now_millis};

pub(super) struct Versioned {
    pub(super) data: StateData,
    version: u64,
}

impl Versioned {
    pub(super) fn new(data: StateData) -> Self {
        Self { data, version: 0 }
    }
}

impl Emulator {
    pub(crate) fn read_state<T>(&self, f: impl FnOnce(&StateData) -> T) -> T {
        f(&lock(&self.inner.state).data)
    }

    /// Applies a change, queues its webhooks while the change is still exclusive (so events
    /// leave in the order the changes were made), then persists.
    pub(crate) async fn mutate<T, E>(
        &self,
        change: impl FnOnce(&mut StateData, i64) -> Result<(T, Vec<StoreEvent>), E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<EmulatorError>,
    {
        let (out, snapshot) = {
            let mut state = lock(&self.inner.state);
            let (out, events) = change(&mut state.data, now_millis())?;
            for event in &events {
                self.inner.webhooks.enqueue(event, &self.inner.image_base);
            }
            state.version += 1;
            let snapshot = match &self.inner.persister {
                Some(_) => Some((
                    state.version,
                    serde_json::to_vec_pretty(&state.data)
                        .map_err(|e| EmulatorError::Task(format!("serialising state: {e}")))?,
                )),
                None => None,
            };
            (out, snapshot)
        };
        if let (Some(persister), Some((version, bytes))) = (&self.inner.persister, snapshot) {
            persister.write(version, bytes).await?;
        }
        Ok(out)
    }
}
