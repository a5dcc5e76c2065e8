//! Outside the browser there is no Clerk: the provider renders the state the request shows,
//! and the actions (only ever triggered by browser events) do nothing.

use super::{AuthState, ClerkContext};
use crate::client::TokenError;

pub(super) fn initial_state() -> AuthState {
    super::request::initial_state()
}

pub(super) fn start(_context: ClerkContext) {}

pub(super) fn redirect_to_sign_in(_return_url: Option<&str>) {}

pub(super) fn sign_out(_redirect_url: Option<&str>) {}

pub(super) fn after_session_refused() {}

pub(super) async fn token(_fresh: bool) -> Result<Option<String>, TokenError> {
    Ok(None)
}
