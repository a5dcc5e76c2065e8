//! Top-level pages.

use leptos::prelude::*;
use leptos_meta::Title;

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
            <ol id="request-flow" class="flow" hidden=move || !flow_open.get()>
                <li>"Your browser signs in with Clerk and holds a short-lived session token."</li>
                <li>"Each request carries that token; the server checks its signature and expiry."</li>
                <li>"The server creates or refreshes your local account from the token's claims."</li>
                <li>"Pages and API handlers receive your local user, never just a Clerk id."</li>
            </ol>
        </section>
    }
}

/// Shown for any path no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found" />
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Go to the start page"</a> "."</p>
        </section>
    }
}
