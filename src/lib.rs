//! Populatte's core: the local user, the projects it owns, and the rules around them.
//!
//! No I/O and no framework lives here, so the same types compile for the server and for the
//! browser (wasm32). Infrastructure (the server crate) implements the ports defined here.

pub mod ports;
pub mod profile;
pub mod project;
pub mod sync;
#[cfg(test)]
mod testing;
pub mod user;

pub use ports::{
    ChangeSource, NewProject, ProjectChanges, ProjectRepository, ProjectWriteError,
    RepositoryError, UserChange, UserRecord, UserRepository,
};
pub use profile::{Profile, ProfileFields};
pub use project::{Project, ProjectError, ProjectId};
pub use sync::{DeleteUser, SyncError, SyncOutcome, SyncUser, Synced};
pub use user::{ClerkId, ClerkIdError, User, UserId};
