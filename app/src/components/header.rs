//! The site header: the brand, and who is signed in with their menu (dashboard, account,
//! sign out).

use leptos::{ev::KeyboardEvent, prelude::*};
use leptos_router::{components::A, hooks::use_navigate};

use super::Avatar;
use crate::clerk::{AuthState, use_clerk};

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">
                "Populatte"
            </A>
            <UserMenu />
        </header>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let clerk = use_clerk();
    let navigate = use_navigate();
    let (open, set_open) = signal(false);
    let close_on_escape = move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            set_open.set(false);
        }
    };

    move || {
        match clerk.state().get() {
        AuthState::SignedIn(user) => {
            let name = user.display_name().unwrap_or_else(|| "Your account".into());
            view! {
                <div class="user-menu" on:keydown=close_on_escape>
                    <button
                        type="button"
                        class="user-button"
                        aria-haspopup="menu"
                        aria-expanded=move || open.get().to_string()
                        aria-controls="user-menu-list"
                        on:click=move |_| set_open.update(|open| *open = !*open)
                    >
                        <Avatar name=name.clone() image_url=user.image_url.clone() size=28 />
                        <span class="user-name">{name.clone()}</span>
                    </button>
                    <ul id="user-menu-list" class="menu" role="menu" hidden=move || !open.get()>
                        <li role="none">
                            <A href="/dashboard" attr:role="menuitem" on:click=move |_| set_open.set(false)>
                                "Dashboard"
                            </A>
                        </li>
                        <li role="none">
                            <A href="/profile" attr:role="menuitem" on:click=move |_| set_open.set(false)>
                                "Your account"
                            </A>
                        </li>
                        <li role="none">
                            <button
                                type="button"
                                role="menuitem"
                                on:click={
                                    let navigate = navigate.clone();
                                    move |_| {
                                        set_open.set(false);
                                        // Leave protected pages first: they would otherwise
                                        // see "signed out" and send the person to sign in.
                                        navigate("/", Default::default());
                                        clerk.sign_out();
                                    }
                                }
                            >
                                "Sign out"
                            </button>
                        </li>
                    </ul>
                </div>
            }
            .into_any()
        }
        AuthState::SignedOut => view! {
            <button type="button" class="button" on:click=move |_| clerk.sign_in_returning_to("/dashboard")>
                "Sign in"
            </button>
        }
        .into_any(),
        AuthState::Loading => view! {
            <span class="user-placeholder" aria-busy="true" aria-label="Checking your session"></span>
        }
        .into_any(),
    }
    }
}
