//! Users, sessions, clients, JWT templates and sign-in tokens: the emulator's data
//! (`model`), its rules (`changes`: unique emails, ids never reused, deleted users' sessions
//! revoked; `validation`: Clerk's field and password rules), its Clerk-shaped JSON (`json`),
//! its errors (`error`) and the people it starts with (`seeds`). The state file it persists to
//! is `crate::state_file`.

mod changes;
mod error;
mod json;
mod model;
mod seeds;
#[cfg(test)]
mod tests;
mod validation;

pub(crate) use error::StoreError;
pub(crate) use model::{
    Client, NewUser, Session, SessionStatus, SignInAttempt, SignInStatus, SignUpAttempt, StateData,
    StoreEvent, Template, User, UserPatch,
};
pub use seeds::{SEEDS, Seed};
pub(crate) use validation::validate_email;
