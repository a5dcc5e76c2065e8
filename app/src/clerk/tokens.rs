//! Session tokens from clerk-js, for the request policy.

use futures::future::LocalBoxFuture;

use super::deadline::within;
use super::loader::clerk;
use crate::client::{TokenError, TokenProvider};

/// clerk-js answers from its cache at once; a fresh token is a network round trip, and its own
/// retries on failure can last minutes.
const TOKEN_WITHIN_MS: u32 = 10_000;

/// `Clerk.session.getToken()` per call, `{skipCache: true}` when fresh. No cache of its own:
/// clerk-js's is the only one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClerkTokens;

impl TokenProvider for ClerkTokens {
    fn token(&self, fresh: bool) -> LocalBoxFuture<'static, Result<Option<String>, TokenError>> {
        Box::pin(async move {
            let clerk = clerk()
                .await
                .map_err(|error| TokenError::Unavailable(error.to_string()))?;
            let Some(session) = clerk.session() else {
                return Ok(None);
            };
            within(TOKEN_WITHIN_MS, session.token(fresh))
                .await
                .map_err(|_| TokenError::TimedOut)?
                .map_err(|error| TokenError::Failed(error.to_string()))
        })
    }
}
