//! The one retry policy behind every authenticated request from the browser, REST and server
//! functions alike.
//!
//! Per request: take the current token and send it as `Authorization: Bearer`. If the auth layer
//! refuses it (401 with `WWW-Authenticate: Bearer error="invalid_token"`), get one fresh token
//! (`skipCache`) and send the request exactly once more. Every request refused while a refresh
//! is in flight waits for that same refresh; a request refused after a refresh that finished
//! while it was on the wire takes the current (already fresh) token instead of forcing another.
//! A second 401, or a refresh that finds no session, signs the app out. Nothing else is retried,
//! and no request is sent more than twice.
//!
//! Decisions where the rules leave a choice:
//! - No token (`Ok(None)`) or a token source that fails: the request goes out without
//!   `Authorization`. Same-origin `fetch` still carries the `__session` cookie, so the server
//!   decides; if it answers an anonymous 401 that is returned as is (not retried, and not a
//!   sign-out: the person may simply be browsing signed out).
//! - A refresh that fails (timeout, clerk-js error) keeps the old token for the one retry: the
//!   refusal may have been the server's passing trouble. If the retry is refused too, that is a
//!   second 401 and the app signs out, as always.

use std::{cell::RefCell, future::Future, rc::Rc};

use futures::future::{FutureExt, LocalBoxFuture, Shared};

use super::challenge::is_token_refusal;
use super::token::{NoTokens, TokenProvider};

/// What the policy needs to know about an answer.
pub trait Answer {
    fn status(&self) -> u16;
    fn www_authenticate(&self) -> Option<&str>;
}

/// One prepared request that can be sent more than once.
pub trait Transport {
    type Answer: Answer;
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
    on_signed_out: Box<dyn Fn()>,
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
    Failed,
}

impl AuthPolicy {
    /// `on_signed_out` runs when the server refuses a fresh token or there is no session left.
    /// It may run once per failing request, so it must tolerate repeats.
    pub fn new(tokens: Rc<dyn TokenProvider>, on_signed_out: impl Fn() + 'static) -> Self {
        Self {
            inner: Rc::new(Inner {
                tokens,
                on_signed_out: Box::new(on_signed_out),
                refresh: RefCell::default(),
            }),
        }
    }

    /// No tokens and nothing to sign out of: requests ride on the cookie alone.
    pub fn anonymous() -> Self {
        Self::new(Rc::new(NoTokens), || {})
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
        let retry_token = match self.refreshed(seen_refreshes).await {
            Refreshed::Token(fresh) => Some(fresh),
            Refreshed::Failed => token,
            Refreshed::NoSession => {
                (self.inner.on_signed_out)();
                return Ok(answer);
            }
        };
        let retried = request.send(retry_token.as_deref()).await?;
        if retried.status() == 401 {
            (self.inner.on_signed_out)();
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
                Err(_) => Refreshed::Failed,
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
                    Refreshed::Failed
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
