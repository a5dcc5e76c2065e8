//! Control components, as Clerk's SDKs have them: `<SignedIn>` and `<SignedOut>` follow the
//! page's Clerk state; `<Protect>` asks the server; `<ClerkLoadingNotice>` shows a slow or
//! failed clerk-js.

use leptos::prelude::*;

use super::{ClerkStatus, use_clerk};
use crate::session::current_user;

/// Its children while someone is signed in (as the page knows it: the server for the first
/// paint, then clerk-js). For showing, never for guarding: see [`Protect`].
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let clerk = use_clerk();
    move || clerk.is_signed_in().then(|| children())
}

/// Its children while nobody is signed in (not while that is still being found out).
#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    let clerk = use_clerk();
    move || {
        let signed_out = clerk
            .state()
            .with(|state| !state.is_signed_in() && !state.is_loading());
        signed_out.then(|| children())
    }
}

/// Its children only when the **server** says the request is signed in: the `CurrentUser`
/// the auth layer verified, for the first paint (rendered on the server, handed to the
/// browser in the hydration data), then asked for again with the session token
/// (the `current_user` server function) whenever the person changes in the browser. What
/// clerk-js believes alone never shows them; while the server has not answered, nothing is
/// shown.
#[component]
pub fn Protect(
    /// Shown when the server does not know the person as signed in.
    #[prop(optional, into)]
    fallback: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let clerk = use_clerk();
    // `None`: not known yet; `Some(None)`: nobody; `Some(Some(id))`: this Clerk user.
    let verified = RwSignal::new(SharedValue::new(first_paint_verdict).into_inner());
    Effect::new(move |_| {
        let state = clerk.state().get();
        if state.is_loading() {
            return;
        }
        let person = state.user().map(|user| user.id.clone());
        if verified.with_untracked(|known| known.as_ref() == Some(&person)) {
            return;
        }
        verified.set(None);
        leptos::task::spawn_local(async move {
            let answer = current_user().await.ok().flatten();
            verified.try_set(Some(answer.map(|profile| profile.clerk_id)));
        });
    });
    move || match verified.get() {
        Some(Some(_)) => children().into_any(),
        Some(None) => fallback.run().into_any(),
        None => ().into_any(),
    }
}

/// The server's verdict for the page it renders; unknown when rendering in the browser.
fn first_paint_verdict() -> Option<Option<String>> {
    #[cfg(feature = "ssr")]
    {
        Some(crate::session::request_user().map(|user| user.clerk_id.to_string()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Says so when clerk-js is late or failed to load (the page keeps waiting and catches up
/// when it arrives); nothing otherwise.
#[component]
pub fn ClerkLoadingNotice() -> impl IntoView {
    let clerk = use_clerk();
    move || {
        let text = match clerk.status() {
            ClerkStatus::Slow => "Sign-in is taking longer than usual to load. Still trying…",
            ClerkStatus::Failed => "Sign-in could not load. Trying again shortly…",
            ClerkStatus::Loading | ClerkStatus::Ready => return None,
        };
        Some(view! {
            <p class="clerk-status" role="status" data-testid="clerk-status">
                {text}
            </p>
        })
    }
}

/// Server rendering: tachys renders to HTML only with `ssr`.
#[cfg(test)]
#[cfg(feature = "ssr")]
mod tests {
    use populatte::{ClerkId, User, UserId};

    use super::*;
    use crate::auth::CurrentUser;
    use crate::clerk::{AuthState, ClerkProvider, SignedInUser};

    fn ada() -> SignedInUser {
        SignedInUser {
            id: "user_ada".into(),
            email: None,
            first_name: Some("Ada".into()),
            last_name: None,
            full_name: None,
            image_url: None,
        }
    }

    /// The page as the server renders it for a request whose auth layer verified `verified`
    /// (or nobody), while the page's own state is `state`.
    fn render(state: AuthState, verified: Option<&str>) -> String {
        let mut request = http::Request::new(()).into_parts().0;
        if let Some(clerk_id) = verified {
            let now = time::OffsetDateTime::UNIX_EPOCH;
            request.extensions.insert(CurrentUser(User {
                id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
                clerk_id: ClerkId::parse(clerk_id).unwrap(),
                email: None,
                first_name: None,
                last_name: None,
                image_url: None,
                created_at: now,
                updated_at: now,
            }));
        }
        Owner::new().with(|| {
            provide_context(request);
            view! {
                <ClerkProvider initial=state>
                    <SignedIn>"[signed in]"</SignedIn>
                    <SignedOut>"[signed out]"</SignedOut>
                    <Protect fallback=|| "[refused]">"[protected]"</Protect>
                </ClerkProvider>
            }
            .to_html()
        })
    }

    #[test]
    fn signed_in_and_signed_out_follow_the_page_state() {
        let html = render(AuthState::SignedIn(ada()), Some("user_ada"));
        assert!(
            html.contains("[signed in]") && !html.contains("[signed out]"),
            "{html}"
        );
        let html = render(AuthState::SignedOut, None);
        assert!(
            html.contains("[signed out]") && !html.contains("[signed in]"),
            "{html}"
        );
        let html = render(AuthState::Loading, None);
        assert!(
            !html.contains("[signed out]") && !html.contains("[signed in]"),
            "{html}"
        );
    }

    #[test]
    fn protect_shows_its_children_when_the_server_verified_the_person() {
        let html = render(AuthState::SignedIn(ada()), Some("user_ada"));
        assert!(
            html.contains("[protected]") && !html.contains("[refused]"),
            "{html}"
        );
    }

    #[test]
    fn protect_refuses_when_only_the_page_state_says_signed_in() {
        let html = render(AuthState::SignedIn(ada()), None);
        assert!(
            html.contains("[refused]") && !html.contains("[protected]"),
            "{html}"
        );
    }
}
