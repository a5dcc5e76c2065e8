//! The route guard, the browser's half: a page for signed-in people only sends everyone else
//! to sign in, with the page they asked for (path and query) as where to come back to. A
//! page load is guarded by the server before rendering starts (`crate::guard`); this covers
//! navigations inside the running app and a session that ends while the page is open.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate},
};

use crate::clerk::{AuthState, paths::sign_in_path, use_clerk};

/// Call at the top of such a page, whose path is listed in `crate::guard::SIGNED_IN_PAGES`.
/// Whenever clerk-js says signed out, the browser goes to sign in. (A page load with no
/// session at all never renders: the server has redirected it. One whose token cookie merely
/// expired renders "loading" and clerk-js decides.)
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
