//! `/profile`: Clerk's `<UserProfile/>` (name, email addresses, password, sessions), shown only
//! when the server confirms who is signed in (`<Protect>`). Signed-out visitors are sent to
//! sign in and back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    clerk::{ClerkLoadingNotice, Protect, UserProfile},
    components::require_sign_in,
};

#[component]
pub fn Profile() -> impl IntoView {
    require_sign_in();
    view! {
        <Title text="Your account" />
        <section class="profile-page" aria-labelledby="profile-page-heading">
            <h1 id="profile-page-heading">"Your account"</h1>
            <ClerkLoadingNotice />
            <Protect fallback=|| {
                view! {
                    <p class="muted" data-testid="protect-fallback">
                        "The server does not know you as signed in, so your account is not shown. "
                        <A href="/dashboard">"Back to the dashboard"</A>
                    </p>
                }
            }>
                <div data-testid="protected-account">
                    <UserProfile />
                </div>
            </Protect>
        </section>
    }
}
