//! The route guard: a page for signed-in people only sends everyone else to sign in, with the
//! page they asked for (path and query) as where to come back to.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate},
};

use crate::clerk::{AuthState, paths::sign_in_path, use_clerk};

/// Call at the top of such a page. With no session at all (no cookie, or Clerk's
/// `__client_uat=0`) the server answers with the redirect; a request whose token cookie merely
/// expired renders "loading" and lets clerk-js decide, and the browser follows it to sign-in
/// if it says signed out.
pub fn require_sign_in() {
    let clerk = use_clerk();
    let location = use_location();
    let here = move || {
        let (path, search) = (
            location.pathname.get_untracked(),
            location.search.get_untracked(),
        );
        if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        }
    };

    #[cfg(feature = "ssr")]
    if clerk.state().get_untracked() == AuthState::SignedOut {
        leptos_axum::redirect(&sign_in_path(&here()));
    }
    let navigate = use_navigate();
    Effect::new(move |_| {
        if clerk.state().get() == AuthState::SignedOut {
            navigate(
                &sign_in_path(&here()),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
}
