//! Waits for the clerk-js script, then runs `Clerk.load()` once for the whole page.
//!
//! The server puts the script in the page, possibly `async`, so `window.Clerk` may appear
//! after the app starts: poll for it, within a deadline. The load is shared by every caller. A
//! failure is remembered for a while, so that with Clerk blocked or down every request goes on
//! at once without a token instead of waiting out the deadline again; after that a caller tries
//! again.

use std::cell::RefCell;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_timers::future::TimeoutFuture;

use super::deadline::within;
use super::js::{Clerk, JsError, global_clerk};

const APPEAR_WITHIN_MS: f64 = 10_000.0;
const POLL_EVERY_MS: u32 = 50;
const LOAD_WITHIN_MS: u32 = 20_000;
const RETRY_AFTER_MS: f64 = 30_000.0;

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
    failed_at: Option<f64>,
}

thread_local! {
    static ATTEMPT: RefCell<Option<Attempt>> = const { RefCell::new(None) };
}

/// The loaded `window.Clerk`.
pub(crate) async fn clerk() -> Result<Clerk, ClerkError> {
    let load = ATTEMPT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let failed_long_ago = slot
            .as_ref()
            .and_then(|attempt| attempt.failed_at)
            .is_some_and(|at| js_sys::Date::now() - at >= RETRY_AFTER_MS);
        if failed_long_ago {
            *slot = None;
        }
        slot.get_or_insert_with(|| Attempt {
            load: load().boxed_local().shared(),
            failed_at: None,
        })
        .load
        .clone()
    });
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
    let clerk = appeared().await?;
    if !clerk.is_loaded() {
        within(LOAD_WITHIN_MS, clerk.load())
            .await
            .map_err(|_| ClerkError::LoadTimedOut)?
            .map_err(ClerkError::LoadFailed)?;
    }
    Ok(clerk)
}

async fn appeared() -> Result<Clerk, ClerkError> {
    let deadline = js_sys::Date::now() + APPEAR_WITHIN_MS;
    loop {
        if let Some(clerk) = global_clerk() {
            return Ok(clerk);
        }
        if js_sys::Date::now() >= deadline {
            return Err(ClerkError::Missing);
        }
        TimeoutFuture::new(POLL_EVERY_MS).await;
    }
}
