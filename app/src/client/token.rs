//! Where session tokens come from. The browser implementation is
//! [`ClerkTokens`](crate::clerk::ClerkTokens); tests use fakes.

use futures::future::LocalBoxFuture;

/// Hands out the session token to send as `Authorization: Bearer`.
///
/// Implementations must not keep a cache of their own on top of the source's: clerk-js already
/// caches, shares in-flight requests and refreshes ahead of expiry, and a second cache would
/// hand out tokens it has already replaced.
pub trait TokenProvider {
    /// The current token (`fresh == false`), or a newly minted one (`fresh == true`, clerk-js's
    /// `skipCache`). `Ok(None)` means there is no session: the person is signed out.
    ///
    /// The future is `'static` so that one refresh can be shared by every request waiting on it.
    fn token(&self, fresh: bool) -> LocalBoxFuture<'static, Result<Option<String>, TokenError>>;
}

/// Why no answer came from the token source. Not the same as "signed out" (`Ok(None)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Clerk never became usable on this page (script missing, blocked or failing to load).
    #[error("Clerk is not available: {0}")]
    Unavailable(String),
    /// The source took longer than we wait (clerk-js retries failures itself for minutes).
    #[error("getting a session token took too long")]
    TimedOut,
    /// The source answered with an error.
    #[error("getting a session token failed: {0}")]
    Failed(String),
}

/// A provider for pages without Clerk: never a token, so requests ride on the cookie alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTokens;

impl TokenProvider for NoTokens {
    fn token(&self, _fresh: bool) -> LocalBoxFuture<'static, Result<Option<String>, TokenError>> {
        Box::pin(std::future::ready(Ok(None)))
    }
}
