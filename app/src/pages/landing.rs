//! The landing page for signed-out visitors (and a way on for signed-in ones).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::clerk::{AuthState, use_clerk};

/// The landing page for signed-out visitors.
#[component]
pub fn Landing() -> impl IntoView {
    let (flow_open, set_flow_open) = signal(false);

    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Sign in with Clerk. Get a real local user."</h1>
            <p class="lede">
                "Populatte verifies your Clerk session on every request, keeps your account in its own
                database, and hands every page and API call the user it belongs to."
            </p>
            <button
                type="button"
                class="button"
                aria-expanded=move || flow_open.get().to_string()
                aria-controls="request-flow"
                on:click=move |_| set_flow_open.update(|open| *open = !*open)
            >
                {move || if flow_open.get() { "Hide how it works" } else { "Show how it works" }}
            </button>
            <CallToAction />
            <ol id="request-flow" class="flow" hidden=move || !flow_open.get()>
                <li>"Your browser signs in with Clerk and holds a short-lived session token."</li>
                <li>"Each request carries that token; the server checks its signature and expiry."</li>
                <li>"The server creates or refreshes your local account from the token's claims."</li>
                <li>"Pages and API handlers receive your local user, never just a Clerk id."</li>
            </ol>
        </section>
    }
}

/// "Open your dashboard" for someone signed in, "Sign in" otherwise.
#[component]
fn CallToAction() -> impl IntoView {
    let clerk = use_clerk();
    view! {
        <div class="cta">
            {move || match clerk.state().get() {
                AuthState::SignedIn(_) => {
                    view! {
                        <A href="/dashboard" attr:class="button primary">
                            "Open your dashboard"
                        </A>
                    }
                        .into_any()
                }
                AuthState::SignedOut => {
                    view! {
                        <button
                            type="button"
                            class="button primary"
                            on:click=move |_| clerk.sign_in_returning_to("/dashboard")
                        >
                            "Sign in"
                        </button>
                    }
                        .into_any()
                }
                AuthState::Loading => {
                    view! {
                        <span class="button primary placeholder" aria-busy="true">
                            "Checking your session…"
                        </span>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
