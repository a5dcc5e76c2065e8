//! `/dashboard`: the signed-in person's local profile (from Populatte's database, through the
//! typed API client) and their projects, with Clerk's `<UserButton/>`. Signed-out visitors
//! are sent to sign in and back.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{ApiError, UserProfile},
    clerk::{AuthState, ClerkLoadingNotice, UserButton, use_clerk},
    client::ApiClient,
    components::{Avatar, ErrorNotice, ProjectsPanel, require_sign_in},
};

#[component]
pub fn Dashboard() -> impl IntoView {
    let clerk = use_clerk();
    require_sign_in();

    view! {
        <Title text="Dashboard" />
        {move || match clerk.state().get() {
            AuthState::SignedIn(user) => {
                let name = user.display_name().unwrap_or_else(|| "there".into());
                view! {
                    <section class="dashboard">
                        <div class="dashboard-heading">
                            <h1>"Welcome, " {name}</h1>
                            <UserButton user_profile_url="/profile" />
                        </div>
                        <ProfileCard />
                        <ProjectsPanel />
                    </section>
                }
                    .into_any()
            }
            AuthState::Loading => {
                view! {
                    <section class="dashboard" aria-busy="true">
                        <h1>"Your dashboard"</h1>
                        <p class="muted">"Checking your session…"</p>
                        <ClerkLoadingNotice />
                    </section>
                }
                    .into_any()
            }
            AuthState::SignedOut => {
                view! {
                    <section class="dashboard">
                        <h1>"Your dashboard"</h1>
                        <p>"You are signed out. Taking you to sign in…"</p>
                    </section>
                }
                    .into_any()
            }
        }}
    }
}

/// The local user as the server rendered it for this request (the auth layer's
/// `CurrentUser`); the browser gets the same value from the hydration data.
fn first_paint_profile() -> Option<UserProfile> {
    #[cfg(feature = "ssr")]
    {
        crate::session::request_user().map(|user| UserProfile::from(&user.0))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
fn ProfileCard() -> impl IntoView {
    let clerk = use_clerk();
    let initial = SharedValue::new(first_paint_profile).into_inner();
    let profile = RwSignal::new(initial);
    let load = Action::new(|_: &()| ApiClient::new().get::<UserProfile>("/api/me"));
    let error = RwSignal::new(None::<ApiError>);

    Effect::new(move |_| match load.value().get() {
        Some(Ok(fresh)) => {
            error.set(None);
            profile.set(Some(fresh));
        }
        Some(Err(failure)) => error.set(Some(failure)),
        None => {}
    });
    // The server could not know the user (an expired cookie): ask once the browser can.
    Effect::new(move |_| {
        if clerk.is_signed_in()
            && profile.with_untracked(Option::is_none)
            && !load.pending().get_untracked()
        {
            load.dispatch(());
        }
    });

    view! {
        <article class="card profile" aria-labelledby="profile-heading" aria-busy=move || load.pending().get().to_string()>
            <header class="card-header">
                <h2 id="profile-heading">"Your profile"</h2>
                <button
                    type="button"
                    class="button"
                    on:click=move |_| {
                        load.dispatch(());
                    }
                    disabled=move || load.pending().get()
                >
                    {move || if load.pending().get() { "Refreshing…" } else { "Refresh profile" }}
                </button>
            </header>
            {move || error.get().map(|failure| view! { <ErrorNotice error=failure /> })}
            {move || match profile.get() {
                Some(profile) => view! { <ProfileDetails profile /> }.into_any(),
                None => view! { <p class="muted">"Loading your profile…"</p> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn ProfileDetails(profile: UserProfile) -> impl IntoView {
    let name = profile
        .display_name
        .clone()
        .unwrap_or_else(|| "No name yet".into());
    view! {
        <div class="profile-body">
            <Avatar name=name.clone() image_url=profile.image_url.clone() size=64 />
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="profile-name">{name}</dd>
                <dt>"Email"</dt>
                <dd data-testid="profile-email">
                    {profile.email.clone().unwrap_or_else(|| "No email address".into())}
                </dd>
                <dt>"Local id"</dt>
                <dd>
                    <code data-testid="profile-local-id">{profile.id.to_string()}</code>
                </dd>
                <dt>"Clerk id"</dt>
                <dd>
                    <code>{profile.clerk_id.clone()}</code>
                </dd>
                <dt>"Member since"</dt>
                <dd>
                    <time datetime=profile.created_at.clone()>{profile.member_since().to_owned()}</time>
                </dd>
            </dl>
        </div>
    }
}
