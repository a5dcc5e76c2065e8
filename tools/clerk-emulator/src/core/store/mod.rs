//! Users, sessions, clients, JWT templates and sign-in tokens: the emulator's data
//! (`model`), its rules (`changes`: unique emails, ids never reused, deleted users' sessions
//! revoked; `validation`: Clerk's field and password rules), its Clerk-shaped JSON (`json`),
//! its errors (`error`), the people it starts with (`seeds`) and the sign-in tokens' rules
//! (`sign_in_tokens`). The state file it persists to is `super::state_file`.

mod changes;
mod error;
mod json;
mod model;
mod seeds;
mod sign_in_tokens;
#[cfg(test)]
mod tests;
mod validation;

pub(crate) use error::StoreError;
pub(crate) use model::{
    Client, NewUser, Session, SessionStatus, SignInAttempt, SignInStatus, SignUpAttempt, StateData,
    StoreEvent, Template, User, UserPatch,
};
pub use seeds::{SEEDS, Seed};
pub(crate) use sign_in_tokens::DEFAULT_SIGN_IN_TOKEN_SECS;
pub(crate) use validation::validate_email;
