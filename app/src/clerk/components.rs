//! Clerk's own components (`@clerk/ui`) as Leptos components: each renders an empty element
//! on the server and, once the page is hydrated, has clerk-js mount the component into it
//! (`Clerk.mountSignIn(node, props)` …), and unmount it when the Leptos component goes away.
//! Props are Clerk's, with clerk-js 6's names.

use leptos::{html::Div, prelude::*};

/// One prop value, as clerk-js takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Prop {
    Text(String),
    Flag(bool),
}

type Props = Vec<(&'static str, Prop)>;

fn text(props: &mut Props, name: &'static str, value: Option<String>) {
    if let Some(value) = value {
        props.push((name, Prop::Text(value)));
    }
}

/// Clerk's `<SignIn/>`. Its steps live in the URL's fragment (`routing: "hash"`), so the page
/// that mounts it needs no routes of its own for them.
#[component]
pub fn SignIn(
    /// Where to go after signing in, whatever else says (`forceRedirectUrl`).
    #[prop(optional, into)]
    force_redirect_url: Option<String>,
    /// Where to go after signing in when nothing else says (`fallbackRedirectUrl`).
    #[prop(optional, into)]
    fallback_redirect_url: Option<String>,
    /// The same for someone who signs up from here instead (`signUpForceRedirectUrl`).
    #[prop(optional, into)]
    sign_up_force_redirect_url: Option<String>,
    #[prop(optional, into)] sign_up_fallback_redirect_url: Option<String>,
    /// The "Sign up" link (`signUpUrl`; default: `Clerk.load`'s).
    #[prop(optional, into)]
    sign_up_url: Option<String>,
) -> impl IntoView {
    let mut props = vec![("routing", Prop::Text("hash".into()))];
    text(&mut props, "forceRedirectUrl", force_redirect_url);
    text(&mut props, "fallbackRedirectUrl", fallback_redirect_url);
    text(
        &mut props,
        "signUpForceRedirectUrl",
        sign_up_force_redirect_url,
    );
    text(
        &mut props,
        "signUpFallbackRedirectUrl",
        sign_up_fallback_redirect_url,
    );
    text(&mut props, "signUpUrl", sign_up_url);
    view! { <Mounted component="SignIn" props /> }
}

/// Clerk's `<SignUp/>`, hash-routed like [`SignIn`].
#[component]
pub fn SignUp(
    #[prop(optional, into)] force_redirect_url: Option<String>,
    #[prop(optional, into)] fallback_redirect_url: Option<String>,
    /// For someone who signs in from here instead (`signInForceRedirectUrl`).
    #[prop(optional, into)]
    sign_in_force_redirect_url: Option<String>,
    #[prop(optional, into)] sign_in_fallback_redirect_url: Option<String>,
    /// The "Sign in" link (`signInUrl`; default: `Clerk.load`'s).
    #[prop(optional, into)]
    sign_in_url: Option<String>,
) -> impl IntoView {
    let mut props = vec![("routing", Prop::Text("hash".into()))];
    text(&mut props, "forceRedirectUrl", force_redirect_url);
    text(&mut props, "fallbackRedirectUrl", fallback_redirect_url);
    text(
        &mut props,
        "signInForceRedirectUrl",
        sign_in_force_redirect_url,
    );
    text(
        &mut props,
        "signInFallbackRedirectUrl",
        sign_in_fallback_redirect_url,
    );
    text(&mut props, "signInUrl", sign_in_url);
    view! { <Mounted component="SignUp" props /> }
}

/// Clerk's `<UserButton/>`: the avatar that opens the account menu (manage account, sign
/// out). Signing out goes where `Clerk.load` says (`afterSignOutUrl`: `/`).
#[component]
pub fn UserButton(
    /// The person's name beside the avatar (`showName`).
    #[prop(optional)]
    show_name: bool,
    /// "Manage account" opens this page instead of a modal (`userProfileUrl`,
    /// `userProfileMode: "navigation"`).
    #[prop(optional, into)]
    user_profile_url: Option<String>,
) -> impl IntoView {
    let mut props = vec![("showName", Prop::Flag(show_name))];
    if let Some(url) = user_profile_url {
        props.push(("userProfileMode", Prop::Text("navigation".into())));
        props.push(("userProfileUrl", Prop::Text(url)));
    }
    view! { <Mounted component="UserButton" props /> }
}

/// Clerk's `<UserProfile/>` (hash-routed). clerk-js renders it only for a signed-in person.
#[component]
pub fn UserProfile() -> impl IntoView {
    let props = vec![("routing", Prop::Text("hash".into()))];
    view! { <Mounted component="UserProfile" props /> }
}

/// The element clerk-js mounts `component` into.
#[component]
fn Mounted(component: &'static str, props: Props) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    #[cfg(feature = "hydrate")]
    mount::follow(component, node, props);
    #[cfg(not(feature = "hydrate"))]
    let _ = props;
    view! { <div class="clerk-component" data-clerk-component=component node_ref=node></div> }
}

#[cfg(feature = "hydrate")]
mod mount {
    use std::{cell::RefCell, rc::Rc};

    use leptos::{html::Div, prelude::*, task::spawn_local};
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsValue;

    use super::{Prop, Props};
    use crate::clerk::js::{Clerk, JsError, options};
    use crate::clerk::loader::{clerk_eventually, request_ui};

    #[derive(Default)]
    enum Mount {
        #[default]
        Waiting,
        Mounted(Clerk, web_sys::HtmlElement),
        Gone,
    }

    /// Mounts once the element exists (after hydration) and clerk-js is loaded, however late;
    /// unmounts when the owner is cleaned up, or skips the mount if that came first.
    pub(super) fn follow(component: &'static str, node: NodeRef<Div>, props: Props) {
        let mount: Rc<RefCell<Mount>> = Rc::default();
        let pending = mount.clone();
        let props = Rc::new(props);
        Effect::new(move |_| {
            let Some(element) = node.get() else {
                return;
            };
            let (mount, props) = (pending.clone(), props.clone());
            spawn_local(async move {
                let clerk = match clerk_eventually().await {
                    Ok(clerk) => clerk,
                    Err(error) => {
                        leptos::logging::warn!("cannot mount Clerk's {component}: {error}");
                        return;
                    }
                };
                if !matches!(*mount.borrow(), Mount::Waiting) {
                    return;
                }
                request_ui();
                let element: web_sys::HtmlElement = element.into();
                match to_js(&props).and_then(|props| clerk.mount(component, &element, &props)) {
                    Ok(()) => *mount.borrow_mut() = Mount::Mounted(clerk, element),
                    Err(error) => {
                        leptos::logging::warn!("cannot mount Clerk's {component}: {error}");
                    }
                }
            });
        });
        let held = SendWrapper::new(mount);
        on_cleanup(move || {
            if let Mount::Mounted(clerk, element) = held.take().replace(Mount::Gone)
                && let Err(error) = clerk.unmount(component, &element)
            {
                leptos::logging::warn!("cannot unmount Clerk's {component}: {error}");
            }
        });
    }

    fn to_js(props: &Props) -> Result<JsValue, JsError> {
        let entries: Vec<(&str, JsValue)> = props
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Prop::Text(text) => JsValue::from_str(text),
                    Prop::Flag(flag) => JsValue::from_bool(*flag),
                };
                (*name, value)
            })
            .collect();
        options(&entries)
    }
}
