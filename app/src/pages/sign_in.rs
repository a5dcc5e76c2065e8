//! `/sign-in?redirect_url=/somewhere` and `/sign-up?redirect_url=/somewhere`: Clerk's own
//! `<SignIn/>` and `<SignUp/>`, mounted here, and back to where the person was going.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use crate::clerk::{
    self, AuthState, ClerkLoadingNotice,
    paths::{safe_return_path, sign_in_path, sign_up_path},
    use_clerk,
};

#[component]
pub fn SignIn() -> impl IntoView {
    let target = return_target();
    view! {
        <Title text="Sign in" />
        <section class="auth-page" aria-labelledby="auth-heading">
            <h1 id="auth-heading" class="visually-hidden">"Sign in"</h1>
            <ClerkLoadingNotice />
            <clerk::SignIn
                force_redirect_url=target.clone()
                sign_up_force_redirect_url=target.clone()
                sign_up_url=sign_up_path(&target)
            />
        </section>
    }
}

#[component]
pub fn SignUp() -> impl IntoView {
    let target = return_target();
    view! {
        <Title text="Sign up" />
        <section class="auth-page" aria-labelledby="auth-heading">
            <h1 id="auth-heading" class="visually-hidden">"Sign up"</h1>
            <ClerkLoadingNotice />
            <clerk::SignUp
                force_redirect_url=target.clone()
                sign_in_force_redirect_url=target.clone()
                sign_in_url=sign_in_path(&target)
            />
        </section>
    }
}

/// The page to come back to (`redirect_url`, kept on this site). Someone already signed in
/// goes straight there: from the server when it knows (no flash), else once clerk-js says.
fn return_target() -> String {
    let clerk = use_clerk();
    let query = use_query_map();
    let target = safe_return_path(query.read_untracked().get("redirect_url").as_deref());

    #[cfg(feature = "ssr")]
    if clerk.state().get_untracked().is_signed_in() {
        leptos_axum::redirect(&target);
    }

    let navigate = use_navigate();
    let destination = target.clone();
    Effect::new(move |_| {
        if let AuthState::SignedIn(_) = clerk.state().get() {
            navigate(
                &destination,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    target
}
