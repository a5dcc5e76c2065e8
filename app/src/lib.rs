//! Populatte's user interface: the routes and components rendered on the server (`ssr`) and
//! hydrated in the browser (`hydrate`).

pub mod api;
pub mod auth;
pub mod clerk;
pub mod client;
pub mod guard;
// `unreachable_pub` is allowed in the modules of components: Leptos's `#[component]` expands
// to a `pub` item whatever visibility the function is written with. rustc still reports dead
// code in them, since nothing outside the crate can reach them.
#[allow(unreachable_pub)]
mod components;
#[allow(unreachable_pub)]
mod pages;
pub mod projects;
pub mod redirect;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

use crate::{clerk::ClerkProvider, components::SiteHeader};

/// Where the browser loads clerk-js from, and with which publishable key: Clerk's own script
/// in production, the same clerk-js served by the emulator under `/__clerk` in development.
/// Provided by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkScript {
    pub publishable_key: String,
    pub script_url: String,
    /// Clerk's proxy mode (`data-clerk-proxy-url`): where clerk-js sends its Frontend API
    /// requests instead of the publishable key's host. The emulator's path in development.
    pub proxy_url: Option<String>,
    /// Clerk's components (`@clerk/ui`'s `ui.browser.js`), loaded by the page the first time
    /// it mounts one: Clerk's copy in production, the emulator's in development.
    pub ui_script_url: String,
}

/// The HTML document around the app, rendered by the server only.
pub fn shell(options: LeptosOptions, clerk: ClerkScript) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // Like Clerk's own snippet: the script reads its key from this attribute and
                // installs `window.Clerk`; the app waits for it before asking for tokens.
                <script
                    async
                    crossorigin="anonymous"
                    data-clerk-publishable-key=clerk.publishable_key
                    data-clerk-proxy-url=clerk.proxy_url
                    data-clerk-ui-url=clerk.ui_script_url
                    src=clerk.script_url
                ></script>
                // The stylesheet's name carries a content hash in a cargo-leptos build
                // (`hash-files`), so only the shell, which has the options, can name it.
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests and styles can tell a live page
    // from server-rendered markup.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Populatte".to_owned() } else { format!("{page} · Populatte") }
        } />
        <ClerkProvider>
            <Router>
                <a class="skip-link" href="#main">
                    "Skip to content"
                </a>
                <SiteHeader />
                <main id="main" data-hydrated=move || hydrated.get().to_string()>
                    <Routes fallback=pages::NotFound>
                        <Route path=StaticSegment("") view=pages::Landing />
                        <Route path=StaticSegment("sign-in") view=pages::SignIn />
                        <Route path=StaticSegment("sign-up") view=pages::SignUp />
                        <Route path=StaticSegment("dashboard") view=pages::Dashboard />
                        <Route path=StaticSegment("profile") view=pages::Profile />
                    </Routes>
                </main>
                <footer class="site-footer">
                    <p>"Populatte — a real local user on every request."</p>
                </footer>
            </Router>
        </ClerkProvider>
    }
}
