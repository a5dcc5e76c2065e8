//! Clerk for components: who is signed in, as a signal, and the ways to sign in and out.
//! Components never touch JavaScript; in the browser (`hydrate`) this module drives
//! `window.Clerk`, everywhere else it only renders the state it was given.
//!
//! ```text
//! // In `App`, around everything that asks who is signed in. On the server the first paint
//! // follows the request (see `ClerkProvider`); the browser starts from the same state.
//! view! { <ClerkProvider><Router>…</Router></ClerkProvider> }
//!
//! let clerk = use_clerk();
//! view! { <Show when=move || clerk.is_signed_in() fallback=move || view! {
//!     <button on:click=move |_| clerk.sign_in()>"Sign in"</button> }> … </Show> }
//!
//! // Clerk's own components, mounted by clerk-js after hydration (`components.rs`), and
//! // the control components (`control.rs`): `<Protect>` asks the server, not clerk-js.
//! view! { <SignedIn><UserButton /></SignedIn> <Protect><UserProfile /></Protect> }
//! ```

// Leptos's `#[component]` expands to a `pub` item whatever the visibility; these modules hold
// components only, re-exported below.
#[allow(unreachable_pub)]
mod components;
#[allow(unreachable_pub)]
mod control;
pub mod paths;
mod state;

#[cfg(feature = "hydrate")]
mod deadline;
#[cfg(feature = "hydrate")]
mod js;
#[cfg(feature = "hydrate")]
mod loader;
#[cfg(feature = "hydrate")]
#[path = "browser.rs"]
mod platform;
#[cfg(not(feature = "hydrate"))]
#[path = "inert.rs"]
mod platform;
#[cfg(not(feature = "hydrate"))]
mod request;
#[cfg(feature = "hydrate")]
mod tokens;

use leptos::prelude::*;

pub use components::{SignIn, SignUp, UserButton, UserProfile};
pub use control::{ClerkLoadingNotice, Protect, SignedIn, SignedOut};
/// The state the first paint shows for a request: the server's guard decides by it.
#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
pub(crate) use request::from_request as state_of_request;
pub use state::{AuthState, SignedInUser};
#[cfg(feature = "hydrate")]
pub use tokens::ClerkTokens;

use crate::client::TokenError;

/// Where loading clerk-js stands, for the page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClerkStatus {
    /// Not loaded yet (and always on the server).
    #[default]
    Loading,
    /// The script has not arrived within the usual time; the page keeps waiting for it.
    Slow,
    Ready,
    /// `Clerk.load()` failed or timed out; it is tried again after a while.
    Failed,
}

/// The Clerk context; `Copy`, so closures can take it freely.
#[derive(Debug, Clone, Copy)]
pub struct ClerkContext {
    state: RwSignal<AuthState>,
    status: RwSignal<ClerkStatus>,
}

impl ClerkContext {
    fn new(initial: AuthState) -> Self {
        Self {
            state: RwSignal::new(initial),
            status: RwSignal::new(ClerkStatus::Loading),
        }
    }

    pub fn state(&self) -> ReadSignal<AuthState> {
        self.state.read_only()
    }

    /// Tracked: how far loading clerk-js has come.
    pub fn status(&self) -> ClerkStatus {
        self.status.get()
    }

    /// Tracked: re-runs the caller when the person changes.
    pub fn user(&self) -> Option<SignedInUser> {
        self.state.with(|state| state.user().cloned())
    }

    /// Tracked.
    pub fn is_signed_in(&self) -> bool {
        self.state.with(AuthState::is_signed_in)
    }

    /// To the sign-in page (Clerk's `<SignIn/>`), coming back to the current page.
    pub fn sign_in(&self) {
        platform::redirect_to_sign_in(None);
    }

    /// To the sign-in page, coming back to `return_url` (a path on this site).
    pub fn sign_in_returning_to(&self, return_url: &str) {
        platform::redirect_to_sign_in(Some(return_url));
    }

    /// Ends the Clerk session and goes to `/`.
    pub fn sign_out(&self) {
        platform::sign_out(Some("/"));
    }

    pub fn sign_out_returning_to(&self, return_url: &str) {
        platform::sign_out(Some(return_url));
    }

    /// The session token (`fresh` forces a new one). `Ok(None)` when signed out, and always
    /// outside the browser. Requests get theirs through [`crate::client`]; this is for the rare
    /// caller that needs the raw token.
    pub async fn token(&self, fresh: bool) -> Result<Option<String>, TokenError> {
        platform::token(fresh).await
    }

    /// The retry policy's "signed out": the server refused even a fresh token, or there is no
    /// session left. Shows signed out and sends the person to sign in (see `platform`).
    pub fn session_refused(&self) {
        set_if_changed(self.state, AuthState::SignedOut);
        platform::after_session_refused();
    }
}

fn set_if_changed(state: RwSignal<AuthState>, next: AuthState) {
    if state.try_with_untracked(|current| *current != next) == Some(true) {
        state.try_set(next);
    }
}

/// Provides [`ClerkContext`] to its children. In the browser it also loads Clerk, follows its
/// sign-ins and sign-outs, and installs the request policy for both API clients.
#[component]
pub fn ClerkProvider(
    /// Server only, and rarely needed: the state for the first paint. Without it the server
    /// reads the request (the auth layer's `CurrentUser`, else Clerk's `__client_uat`
    /// cookie). The browser gets the server's value from the hydration data.
    #[prop(optional)]
    initial: Option<AuthState>,
    children: Children,
) -> impl IntoView {
    let initial =
        SharedValue::new(move || initial.unwrap_or_else(platform::initial_state)).into_inner();
    let context = ClerkContext::new(initial);
    provide_context(context);
    platform::start(context);
    children()
}

/// The context from the nearest [`ClerkProvider`]. Outside one (a wiring mistake, warned about
/// in debug builds) it answers a signed-out state that never changes.
pub fn use_clerk() -> ClerkContext {
    use_context::<ClerkContext>().unwrap_or_else(|| {
        leptos::logging::debug_warn!("use_clerk() outside <ClerkProvider>: showing signed out");
        ClerkContext::new(AuthState::SignedOut)
    })
}

/// Server rendering: tachys renders to HTML only with `ssr`.
#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[component]
    fn Greeting() -> impl IntoView {
        let clerk = use_clerk();
        move || match clerk.state().get() {
            AuthState::SignedIn(user) => user.display_name().unwrap_or_default(),
            AuthState::SignedOut => "signed out".to_owned(),
            AuthState::Loading => "loading".to_owned(),
        }
    }

    fn render(initial: Option<AuthState>) -> String {
        Owner::new().with(|| match initial {
            Some(initial) => {
                view! { <ClerkProvider initial><Greeting /></ClerkProvider> }.to_html()
            }
            None => view! { <ClerkProvider><Greeting /></ClerkProvider> }.to_html(),
        })
    }

    #[test]
    fn children_render_the_state_the_provider_was_given() {
        let ada = SignedInUser {
            id: "user_1".into(),
            email: None,
            first_name: Some("Ada".into()),
            last_name: None,
            full_name: None,
            image_url: None,
        };
        assert!(render(Some(AuthState::SignedIn(ada))).contains("Ada"));
        assert!(render(Some(AuthState::SignedOut)).contains("signed out"));
    }

    #[test]
    fn without_a_request_or_a_given_state_the_first_paint_is_loading() {
        assert!(render(None).contains("loading"));
    }
}
