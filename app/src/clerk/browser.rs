//! The browser side of the Clerk context: follow clerk-js, act through it, and wire the
//! request policy to it.

use std::{
    cell::{Cell, RefCell},
    future::Future,
    rc::Rc,
};

use leptos::{prelude::*, task::spawn_local};
use send_wrapper::SendWrapper;

use gloo_timers::future::TimeoutFuture;

use super::js::{Clerk, JsError, Subscription};
use super::loader::{APPEAR_WITHIN_MS, RETRY_AFTER_MS, clerk, clerk_eventually};
use super::paths::sign_in_path;
use super::tokens::ClerkTokens;
use super::{AuthState, ClerkContext, ClerkStatus, set_if_changed};
use crate::client::{AuthPolicy, Refusal, TokenError, TokenProvider, install_policy};

/// Only when rendering in the browser without the server's value (not while hydrating):
/// clerk-js will tell.
pub(super) fn initial_state() -> AuthState {
    AuthState::Loading
}

pub(super) fn start(context: ClerkContext) {
    install_policy(AuthPolicy::new(
        Rc::new(ClerkTokens),
        move |verdict| match verdict {
            Refusal::SignedOut => context.session_refused(),
            Refusal::SessionPending => after_session_pending(),
        },
    ));

    let subscription: Rc<RefCell<Option<Subscription>>> = Rc::default();
    let disposed = Rc::new(Cell::new(false));
    let (slot, gone) = (subscription.clone(), disposed.clone());
    // Past the usual time the page says it is still waiting; the load itself goes on.
    let waiting = disposed.clone();
    spawn_local(async move {
        TimeoutFuture::new(APPEAR_WITHIN_MS as u32).await;
        if !waiting.get() && context.status.try_get_untracked() == Some(ClerkStatus::Loading) {
            context.status.try_set(ClerkStatus::Slow);
        }
    });
    spawn_local(async move {
        // A failed load is tried again (the loader keeps a failure for RETRY_AFTER_MS), a
        // bounded number of times: a page left open recovers once Clerk is back.
        for _ in 0..LOAD_ATTEMPTS {
            let loaded = clerk_eventually().await;
            if gone.get() {
                return;
            }
            match loaded {
                Ok(clerk) => {
                    context.status.try_set(ClerkStatus::Ready);
                    set_if_changed(context.state, clerk.auth_state());
                    match clerk.subscribe(move |clerk| {
                        // Signing out, clerk-js reports "signed out" and then navigates away:
                        // showing it in between would send protected pages to sign-in first.
                        if !SIGNING_OUT.with(Cell::get) {
                            set_if_changed(context.state, clerk.auth_state());
                        }
                    }) {
                        Ok(subscription) => *slot.borrow_mut() = Some(subscription),
                        Err(error) => leptos::logging::warn!("cannot follow Clerk: {error}"),
                    }
                    return;
                }
                Err(error) => {
                    leptos::logging::warn!("{error}");
                    context.status.try_set(ClerkStatus::Failed);
                    // Until Clerk answers, the server's answer (if any) stands.
                    if context.state.try_with_untracked(AuthState::is_loading) == Some(true) {
                        set_if_changed(context.state, AuthState::SignedOut);
                    }
                    TimeoutFuture::new(RETRY_AFTER_MS as u32).await;
                }
            }
        }
    });

    // The provider's owner may go away (tests, a re-mounted app): stop following Clerk then.
    let held = SendWrapper::new((subscription, disposed));
    on_cleanup(move || {
        let (subscription, disposed) = held.take();
        disposed.set(true);
        subscription.borrow_mut().take();
    });
}

/// How many times the provider tries `Clerk.load()` before leaving the page without Clerk.
const LOAD_ATTEMPTS: u32 = 20;

/// To the app's sign-in page, where Clerk's `<SignIn/>` is mounted: a page load, so that the
/// page is rendered for the sign-in route whatever the router state.
pub(super) fn redirect_to_sign_in(return_url: Option<&str>) {
    let return_path = return_url.map_or_else(current_path, str::to_owned);
    go_to(&sign_in_path(&return_path));
}

fn go_to(url: &str) {
    if let Some(window) = web_sys::window()
        && let Err(error) = window.location().assign(url)
    {
        leptos::logging::warn!("cannot open {url}: {error:?}");
    }
}

pub(super) fn sign_out(redirect_url: Option<&str>) {
    let redirect_url = redirect_url.map(str::to_owned);
    with_clerk("sign out", move |clerk| async move {
        SIGNING_OUT.with(|flag| flag.set(true));
        let result = clerk.sign_out(redirect_url.as_deref()).await;
        if result.is_err() {
            SIGNING_OUT.with(|flag| flag.set(false));
        }
        result
    });
}

/// Runs a clerk-js action once Clerk is there. Called from event handlers, which have nobody
/// to hand an error to: failures go to the log.
fn with_clerk<F, Fut>(what: &'static str, action: F)
where
    F: FnOnce(Clerk) -> Fut + 'static,
    Fut: Future<Output = Result<(), JsError>>,
{
    spawn_local(async move {
        let result = match clerk().await {
            Ok(clerk) => action(clerk).await.map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = result {
            leptos::logging::warn!("cannot {what}: {error}");
        }
    });
}

thread_local! {
    // Several requests can be refused at once; the page leaves only once.
    static LEAVING: Cell<bool> = const { Cell::new(false) };
    // A sign-out this page asked for is under way (clerk-js navigates when it is done).
    static SIGNING_OUT: Cell<bool> = const { Cell::new(false) };
}

/// With no Clerk session left, go to sign-in and come back here. If Clerk still has a session
/// the server refuses even freshly minted tokens from, sending the person to sign-in would
/// bounce straight back (Clerk sees them signed in) and loop; end that session instead and
/// come back here signed out, so the next sign-in is a real one.
pub(super) fn after_session_refused() {
    if LEAVING.with(|leaving| leaving.replace(true)) {
        return;
    }
    let here = current_path();
    spawn_local(async move {
        let result = match clerk().await {
            Ok(clerk) if clerk.session().is_some() => {
                clerk.sign_out(Some(&here)).await.map_err(|e| e.to_string())
            }
            Ok(_) => {
                go_to(&sign_in_path(&here));
                Ok(())
            }
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = result {
            leptos::logging::warn!("cannot send the person to sign in: {error}");
            LEAVING.with(|leaving| leaving.set(false));
        }
    });
}

/// The server counts a pending session as not signed in. When clerk-js agrees (its session is
/// `pending`), Clerk's session tasks are where the person finishes signing in; otherwise the
/// page's message about the pending session is all there is to do.
fn after_session_pending() {
    if LEAVING.with(|leaving| leaving.replace(true)) {
        return;
    }
    spawn_local(async move {
        let pending = match clerk().await {
            Ok(clerk) => clerk
                .session()
                .and_then(|session| session.status())
                .is_some_and(|status| status == "pending")
                .then_some(clerk),
            Err(_) => None,
        };
        let left = match pending {
            Some(clerk) => match clerk.redirect_to_tasks().await {
                Ok(()) => true,
                Err(error) => {
                    leptos::logging::warn!("cannot open Clerk's session tasks: {error}");
                    false
                }
            },
            None => false,
        };
        if !left {
            LEAVING.with(|leaving| leaving.set(false));
        }
    });
}

pub(super) async fn token(fresh: bool) -> Result<Option<String>, TokenError> {
    ClerkTokens.token(fresh).await
}

/// The current page as a path on this site (path, query and fragment), for coming back.
fn current_path() -> String {
    web_sys::window()
        .map(|window| {
            let location = window.location();
            let part = |value: Result<String, _>| value.unwrap_or_default();
            format!(
                "{}{}{}",
                part(location.pathname()),
                part(location.search()),
                part(location.hash())
            )
        })
        .filter(|path| path.starts_with('/'))
        .unwrap_or_else(|| "/".to_owned())
}
