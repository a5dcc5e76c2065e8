//! `/sign-in?redirect_url=/somewhere`: hands over to Clerk's sign-in (the emulator's page in
//! development) and comes back to where the person was going.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use super::paths::safe_return_path;
use crate::clerk::{AuthState, use_clerk};

#[component]
pub fn SignIn() -> impl IntoView {
    let clerk = use_clerk();
    let query = use_query_map();
    let target = Memo::new(move |_| safe_return_path(query.read().get("redirect_url").as_deref()));

    // Already signed in (the server knows from the cookie): straight on, no flash.
    #[cfg(feature = "ssr")]
    if clerk.state().get_untracked().is_signed_in() {
        leptos_axum::redirect(&target.get_untracked());
    }

    let navigate = use_navigate();
    Effect::new(move |_| match clerk.state().get() {
        AuthState::SignedIn(_) => navigate(
            &target.get(),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        ),
        AuthState::SignedOut => clerk.sign_in_returning_to(&target.get()),
        AuthState::Loading => {}
    });

    view! {
        <Title text="Sign in" />
        <section class="card narrow" aria-live="polite">
            <h1>"Sign in"</h1>
            <p>"Taking you to sign in. You will come back here afterwards."</p>
            <button
                type="button"
                class="button primary"
                on:click=move |_| clerk.sign_in_returning_to(&target.get_untracked())
            >
                "Continue to sign in"
            </button>
        </section>
    }
}
