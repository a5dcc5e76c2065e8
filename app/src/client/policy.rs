//! The one retry policy behind every authenticated request from the browser, REST and server
//! functions alike.
//!
//! Per request: take the current token and send it as `Authorization: Bearer`. If the auth layer
//! refuses it (401 with `WWW-Authenticate: Bearer error="invalid_token"`), get one fresh token
//! (`skipCache`) and send the request exactly once more. Every request refused while a refresh
//! is in flight waits for that same refresh; a request refused after a refresh that finished
//! while it was on the wire takes the current (already fresh) token instead of forcing another.
//! Nothing else is retried, and no request is sent more than twice.
//!
//! "Signed out" is decided only by Clerk or by a refused *fresh* token:
//! - a refresh that finds no session (clerk-js says so) signs out;
//! - a freshly minted token refused again signs out, unless the reason is one that signing in
//!   again does not cure ([`refusal_needs_attention`]: missing claims, another instance's
//!   token, an unlisted origin, a deleted user, a pending session): then the refusal is the
//!   answer, and the page shows its own message for it. A pending session also goes to
//!   Clerk's session tasks ([`Refusal::SessionPending`]).
//! - a refresh that fails or times out (Clerk's Frontend API slow, 429, 5xx, an offline tab)
//!   is not a verdict on the session: the request is not retried with the refused token, and
//!   the answer is "temporarily unavailable" ([`PolicyAnswer::token_unavailable`], a 503 that both
//!   clients decode as `ApiError::Unavailable`); nobody is signed out.
//!
//! No token (`Ok(None)`) or a token source that fails before the first attempt: the request
//! goes out without `Authorization`. Same-origin `fetch` still carries the `__session` cookie,
//! so the server decides; an anonymous 401 is returned as is (not retried, and not a sign-out:
//! the person may simply be browsing signed out).

use std::{cell::RefCell, future::Future, rc::Rc};

use futures::future::{FutureExt, LocalBoxFuture, Shared};

use super::challenge::is_token_refusal;
use super::token::{NoTokens, TokenError, TokenProvider};
use crate::api::{reason, refusal_needs_attention};

/// What the policy needs to know about an answer, and the one answer it makes up itself.
pub trait PolicyAnswer: Sized {
    fn status(&self) -> u16;
    fn www_authenticate(&self) -> Option<&str>;
    /// The refusal's reason (`token-expired`, `claims-missing`, …) from the error body.
    fn refusal_reason(&self) -> Option<String>;
    /// What the caller gets when a refused token could not be replaced: "temporarily
    /// unavailable", in the shape the caller decodes.
    fn token_unavailable(error: &TokenError) -> Self;
}

/// What the page is told when the policy has a verdict on the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No session left, or a freshly minted token refused: sign in again.
    SignedOut,
    /// The session exists but Clerk has tasks for it first (`sts: pending`).
    SessionPending,
}

/// One prepared request that can be sent more than once.
pub trait Transport {
    type Answer: PolicyAnswer;
    type Error;

    /// Sends the request once, with `Authorization: Bearer <bearer>` when a token is given.
    fn send(&self, bearer: Option<&str>)
    -> impl Future<Output = Result<Self::Answer, Self::Error>>;
}

/// Cheap to clone; clones share the refresh state. Single-threaded by design (browser futures
/// are not `Send`).
#[derive(Clone)]
pub struct AuthPolicy {
    inner: Rc<Inner>,
}

struct Inner {
    tokens: Rc<dyn TokenProvider>,
    on_refused: Box<dyn Fn(Refusal)>,
    refresh: RefCell<RefreshState>,
}

#[derive(Default)]
struct RefreshState {
    in_flight: Option<SharedRefresh>,
    completed: u64,
}

type SharedRefresh = Shared<LocalBoxFuture<'static, Refreshed>>;

#[derive(Debug, Clone)]
enum Refreshed {
    Token(String),
    NoSession,
    Failed(TokenError),
}

impl AuthPolicy {
    /// `on_refused` runs with the verdict when the server refuses a fresh token or there is no
    /// session left (see the module docs). It may run once per failing request, so it must
    /// tolerate repeats.
    pub fn new(tokens: Rc<dyn TokenProvider>, on_refused: impl Fn(Refusal) + 'static) -> Self {
        Self {
            inner: Rc::new(Inner {
                tokens,
                on_refused: Box::new(on_refused),
                refresh: RefCell::default(),
            }),
        }
    }

    /// No tokens and nothing to sign out of: requests ride on the cookie alone.
    pub fn anonymous() -> Self {
        Self::new(Rc::new(NoTokens), |_| {})
    }

    /// Sends `request` under the policy and returns the last answer, whatever its status.
    /// Transport errors (the network) come back at once, never retried.
    pub async fn send<T: Transport>(&self, request: &T) -> Result<T::Answer, T::Error> {
        let seen_refreshes = self.inner.refresh.borrow().completed;
        let token = self.current_token().await;
        let answer = request.send(token.as_deref()).await?;
        if !is_token_refusal(answer.status(), answer.www_authenticate()) {
            return Ok(answer);
        }
        let fresh = match self.refreshed(seen_refreshes).await {
            // The same token again is no fresher than the one just refused.
            Refreshed::Token(fresh) if token.as_deref() != Some(fresh.as_str()) => fresh,
            Refreshed::Token(_) => {
                return Ok(T::Answer::token_unavailable(&TokenError::Failed(
                    "no newer token than the refused one".into(),
                )));
            }
            Refreshed::Failed(error) => return Ok(T::Answer::token_unavailable(&error)),
            Refreshed::NoSession => {
                (self.inner.on_refused)(Refusal::SignedOut);
                return Ok(answer);
            }
        };
        let retried = request.send(Some(&fresh)).await?;
        if is_token_refusal(retried.status(), retried.www_authenticate()) {
            match retried.refusal_reason().as_deref() {
                Some(reason::SESSION_PENDING) => (self.inner.on_refused)(Refusal::SessionPending),
                Some(why) if refusal_needs_attention(why) => {}
                _ => (self.inner.on_refused)(Refusal::SignedOut),
            }
        }
        Ok(retried)
    }

    async fn current_token(&self) -> Option<String> {
        match self.inner.tokens.token(false).await {
            Ok(token) => token,
            Err(error) => {
                leptos::logging::warn!("sending without a session token: {error}");
                None
            }
        }
    }

    /// Joins the refresh in flight, or reuses one that finished since `seen` (clerk-js's cache
    /// now holds its token), or starts one.
    async fn refreshed(&self, seen: u64) -> Refreshed {
        let (in_flight, completed) = {
            let state = self.inner.refresh.borrow();
            (state.in_flight.clone(), state.completed)
        };
        if let Some(refresh) = in_flight {
            return refresh.await;
        }
        if completed > seen {
            return match self.inner.tokens.token(false).await {
                Ok(Some(token)) => Refreshed::Token(token),
                Ok(None) => Refreshed::NoSession,
                Err(error) => Refreshed::Failed(error),
            };
        }
        self.start_refresh().await
    }

    fn start_refresh(&self) -> SharedRefresh {
        let fetch = self.inner.tokens.token(true);
        // Weak: the state holds this future while it runs; a strong handle would be a cycle.
        let owner = Rc::downgrade(&self.inner);
        let refresh = async move {
            let outcome = match fetch.await {
                Ok(Some(token)) => Refreshed::Token(token),
                Ok(None) => Refreshed::NoSession,
                Err(error) => {
                    leptos::logging::warn!("refreshing the session token failed: {error}");
                    Refreshed::Failed(error)
                }
            };
            if let Some(inner) = owner.upgrade() {
                let mut state = inner.refresh.borrow_mut();
                state.in_flight = None;
                state.completed += 1;
            }
            outcome
        }
        .boxed_local()
        .shared();
        self.inner.refresh.borrow_mut().in_flight = Some(refresh.clone());
        refresh
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
