//! Waits for the clerk-js script, then runs `Clerk.load()` once for the whole page, and loads
//! Clerk's components (`@clerk/ui`) the first time a page mounts one.
//!
//! The server puts the script in the page, `async`, so `window.Clerk` may appear after the
//! app starts, or much later on a slow network. The load is shared by every caller and waits
//! for the script as long as it takes: when it arrives late the page catches up (the
//! provider follows the load, see `browser.rs`). Callers that cannot wait that long (a
//! request that needs a token) give up after [`APPEAR_WITHIN_MS`] from the start of the
//! load and go on without Clerk; after that they fail at once while the script is still
//! missing. A failed `Clerk.load()` is remembered for a while, so that with Clerk down every
//! request goes on at once instead of waiting out the deadline again; after that a caller
//! tries again.

use std::cell::{Cell, RefCell};

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;

use super::deadline::within;
use super::js::{Clerk, JsError, global_clerk, global_clerk_ui, options};

/// How long a caller waits for the script before going on without Clerk.
pub(super) const APPEAR_WITHIN_MS: f64 = 10_000.0;
const POLL_EVERY_MS: u32 = 50;
/// Past the first seconds a late script is looked for less often.
const POLL_LATE_EVERY_MS: u32 = 250;
const LOAD_WITHIN_MS: u32 = 20_000;
pub(super) const RETRY_AFTER_MS: f64 = 30_000.0;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClerkError {
    #[error("window.Clerk did not appear; is the clerk-js script in the page?")]
    Missing,
    #[error("Clerk.load() did not finish in time")]
    LoadTimedOut,
    #[error("Clerk.load() failed: {0}")]
    LoadFailed(JsError),
}

type SharedLoad = Shared<LocalBoxFuture<'static, Result<Clerk, ClerkError>>>;

struct Attempt {
    load: SharedLoad,
    started_at: f64,
    failed_at: Option<f64>,
}

thread_local! {
    static ATTEMPT: RefCell<Option<Attempt>> = const { RefCell::new(None) };
    /// Resolves the promise `Clerk.load` was given as `ui.ClerkUI`, once the components are
    /// asked for and `@clerk/ui` has registered itself.
    static UI: RefCell<Option<Function>> = const { RefCell::new(None) };
    static UI_REQUESTED: Cell<bool> = const { Cell::new(false) };
}

/// The current load (a new one when the last failed long enough ago) and when it started.
fn attempt() -> (SharedLoad, f64) {
    ATTEMPT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let failed_long_ago = slot
            .as_ref()
            .and_then(|attempt| attempt.failed_at)
            .is_some_and(|at| js_sys::Date::now() - at >= RETRY_AFTER_MS);
        if failed_long_ago {
            *slot = None;
        }
        let attempt = slot.get_or_insert_with(|| Attempt {
            load: load().boxed_local().shared(),
            started_at: js_sys::Date::now(),
            failed_at: None,
        });
        (attempt.load.clone(), attempt.started_at)
    })
}

/// The loaded `window.Clerk`, for callers that must not wait long: when the script has not
/// appeared within [`APPEAR_WITHIN_MS`] of the load's start, `Missing` (the load goes on).
pub(crate) async fn clerk() -> Result<Clerk, ClerkError> {
    let (load, started_at) = attempt();
    if global_clerk().is_none() {
        let left = (started_at + APPEAR_WITHIN_MS - js_sys::Date::now()).max(0.0);
        if within(left as u32, appeared()).await.is_err() {
            return Err(ClerkError::Missing);
        }
    }
    settle(load).await
}

/// The loaded `window.Clerk`, however long the script takes to arrive.
pub(super) async fn clerk_eventually() -> Result<Clerk, ClerkError> {
    settle(attempt().0).await
}

async fn settle(load: SharedLoad) -> Result<Clerk, ClerkError> {
    let loaded = load.clone().await;
    if loaded.is_err() {
        ATTEMPT.with(|slot| {
            if let Some(attempt) = slot.borrow_mut().as_mut()
                && attempt.load.ptr_eq(&load)
                && attempt.failed_at.is_none()
            {
                attempt.failed_at = Some(js_sys::Date::now());
            }
        });
    }
    loaded
}

async fn load() -> Result<Clerk, ClerkError> {
    let clerk = appeared().await;
    if !clerk.is_loaded() {
        let options = load_options().map_err(ClerkError::LoadFailed)?;
        within(LOAD_WITHIN_MS, clerk.load(&options))
            .await
            .map_err(|_| ClerkError::LoadTimedOut)?
            .map_err(ClerkError::LoadFailed)?;
    }
    Ok(clerk)
}

/// `window.Clerk`, once it is there.
async fn appeared() -> Clerk {
    let started = js_sys::Date::now();
    loop {
        if let Some(clerk) = global_clerk() {
            return clerk;
        }
        let late = js_sys::Date::now() - started >= APPEAR_WITHIN_MS;
        TimeoutFuture::new(if late {
            POLL_LATE_EVERY_MS
        } else {
            POLL_EVERY_MS
        })
        .await;
    }
}

/// What the app tells `Clerk.load`: where its own sign-in and sign-up pages are (Clerk's
/// components link there, and `redirectToSignIn` goes there), where people land after
/// signing in or up when nothing else says (clerk-js 6's names for these redirects), where
/// signing out goes, and Clerk's components as a promise that is kept only when a page first
/// mounts one, so pages without any never download `@clerk/ui`.
fn load_options() -> Result<JsValue, JsError> {
    let ui = Promise::new(&mut |resolve, _reject| {
        UI.with(|slot| *slot.borrow_mut() = Some(resolve));
    });
    let ui = options(&[("ClerkUI", ui.into())])?;
    let page = |path: &str| JsValue::from_str(path);
    options(&[
        ("ui", ui),
        ("signInUrl", page(super::paths::SIGN_IN_PATH)),
        ("signUpUrl", page(super::paths::SIGN_UP_PATH)),
        (
            "signInFallbackRedirectUrl",
            page(super::paths::AFTER_SIGN_IN_PATH),
        ),
        (
            "signUpFallbackRedirectUrl",
            page(super::paths::AFTER_SIGN_IN_PATH),
        ),
        ("afterSignOutUrl", page("/")),
    ])
}

/// Loads `@clerk/ui` (once) and hands it to clerk-js, which then renders the components it
/// was asked to mount. The script's URL is on the clerk-js script tag (`data-clerk-ui-url`):
/// the emulator's copy in development, Clerk's in production.
pub(super) fn request_ui() {
    if UI_REQUESTED.with(|requested| requested.replace(true)) {
        return;
    }
    if global_clerk_ui().is_none()
        && let Err(error) = inject_ui_script()
    {
        leptos::logging::warn!("cannot load Clerk's components: {error}");
    }
    leptos::task::spawn_local(async {
        let ctor = loop {
            if let Some(ctor) = global_clerk_ui() {
                break ctor;
            }
            TimeoutFuture::new(POLL_LATE_EVERY_MS).await;
        };
        // The load may not have started yet (a component mounted before the provider's
        // task ran): wait for it, so that the promise it holds exists.
        let _ = clerk_eventually().await;
        UI.with(|slot| {
            if let Some(resolve) = slot.borrow_mut().take() {
                let _ = resolve.call1(&JsValue::NULL, &ctor);
            }
        });
    });
}

fn inject_ui_script() -> Result<(), JsError> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsError("no document".into()))?;
    let url = document
        .query_selector("script[data-clerk-ui-url]")?
        .and_then(|script| script.get_attribute("data-clerk-ui-url"))
        .filter(|url| !url.is_empty())
        .ok_or_else(|| JsError("the page names no @clerk/ui script (data-clerk-ui-url)".into()))?;
    let script = document.create_element("script")?;
    script.set_attribute("src", &url)?;
    script.set_attribute("async", "")?;
    script.set_attribute("crossorigin", "anonymous")?;
    // Clerk's own loader marks its script so, and looks for it before adding another.
    script.set_attribute("data-clerk-ui-script", "")?;
    document
        .head()
        .ok_or_else(|| JsError("no <head>".into()))?
        .append_child(&script)?;
    Ok(())
}
