//! Bindings to the parts of clerk-js 6 the app uses (the real clerk-js, in production from
//! Clerk and in development from the emulator), and their conversion into Rust values.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;

use super::state::{AuthState, SignedInUser};

#[wasm_bindgen]
extern "C" {
    /// The `window.Clerk` instance.
    #[derive(Debug, Clone)]
    pub type Clerk;

    #[wasm_bindgen(method, catch, js_name = load)]
    fn js_load(this: &Clerk, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = loaded)]
    fn js_loaded(this: &Clerk) -> Option<bool>;
    #[wasm_bindgen(method, getter = user)]
    fn js_user(this: &Clerk) -> Option<JsUser>;
    #[wasm_bindgen(method, getter = session)]
    fn js_session(this: &Clerk) -> Option<Session>;
    #[wasm_bindgen(method, catch, js_name = addListener)]
    fn js_add_listener(this: &Clerk, listener: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = signOut)]
    fn js_sign_out(this: &Clerk, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = redirectToTasks)]
    fn js_redirect_to_tasks(this: &Clerk) -> Result<JsValue, JsValue>;

    #[derive(Debug, Clone)]
    pub type Session;

    #[wasm_bindgen(method, catch, js_name = getToken)]
    fn js_get_token(this: &Session, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter = status)]
    fn js_status(this: &Session) -> Option<String>;

    #[derive(Debug, Clone)]
    type JsUser;

    #[wasm_bindgen(method, getter = id)]
    fn id(this: &JsUser) -> Option<String>;
    #[wasm_bindgen(method, getter = primaryEmailAddress)]
    fn primary_email_address(this: &JsUser) -> Option<JsEmailAddress>;
    #[wasm_bindgen(method, getter = firstName)]
    fn first_name(this: &JsUser) -> Option<String>;
    #[wasm_bindgen(method, getter = lastName)]
    fn last_name(this: &JsUser) -> Option<String>;
    #[wasm_bindgen(method, getter = fullName)]
    fn full_name(this: &JsUser) -> Option<String>;
    #[wasm_bindgen(method, getter = imageUrl)]
    fn image_url(this: &JsUser) -> Option<String>;

    #[derive(Debug, Clone)]
    type JsEmailAddress;

    #[wasm_bindgen(method, getter = emailAddress)]
    fn email_address(this: &JsEmailAddress) -> Option<String>;
}

/// A JavaScript failure, as text for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsError(pub String);

impl From<JsValue> for JsError {
    fn from(value: JsValue) -> Self {
        let text = match value.dyn_ref::<js_sys::Error>() {
            Some(error) => String::from(error.message()),
            None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
        };
        Self(text)
    }
}

/// Awaits what a clerk-js method returned, promise or not.
async fn settled(returned: Result<JsValue, JsValue>) -> Result<JsValue, JsError> {
    Ok(JsFuture::from(Promise::resolve(&returned?)).await?)
}

pub(super) fn options(entries: &[(&str, JsValue)]) -> Result<JsValue, JsError> {
    let object = Object::new();
    for (key, value) in entries {
        Reflect::set(&object, &JsValue::from_str(key), value)?;
    }
    Ok(object.into())
}

/// `window.Clerk`, once the script has put it there.
pub(crate) fn global_clerk() -> Option<Clerk> {
    global("Clerk").map(JsCast::unchecked_into)
}

/// `window.__internal_ClerkUICtor`: what `@clerk/ui`'s browser bundle registers, and what
/// `Clerk.load({ ui: { ClerkUI } })` takes.
pub(super) fn global_clerk_ui() -> Option<JsValue> {
    global("__internal_ClerkUICtor")
}

fn global(name: &str) -> Option<JsValue> {
    let value = Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

/// Unsubscribes from Clerk when dropped.
pub struct Subscription {
    _listener: Closure<dyn FnMut(JsValue)>,
    unsubscribe: Option<Function>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(unsubscribe) = &self.unsubscribe {
            let _ = unsubscribe.call0(&JsValue::NULL);
        }
    }
}

impl Clerk {
    pub fn is_loaded(&self) -> bool {
        self.js_loaded() == Some(true)
    }

    /// `Clerk.load(options)`: `options` is a [`ClerkOptions`]-shaped object (see
    /// `loader.rs` for what the app passes).
    pub async fn load(&self, options: &JsValue) -> Result<(), JsError> {
        settled(self.js_load(options)).await.map(drop)
    }

    /// `Clerk.mount<Component>(node, props)`, e.g. `mountSignIn`. clerk-js mounts the
    /// component once its UI (`@clerk/ui`) is there; it throws only when `Clerk.load` was
    /// given no UI at all.
    pub(super) fn mount(
        &self,
        component: &str,
        node: &web_sys::HtmlElement,
        props: &JsValue,
    ) -> Result<(), JsError> {
        self.call_component(&format!("mount{component}"), node, props)
    }

    /// `Clerk.unmount<Component>(node)`.
    pub(super) fn unmount(
        &self,
        component: &str,
        node: &web_sys::HtmlElement,
    ) -> Result<(), JsError> {
        self.call_component(&format!("unmount{component}"), node, &JsValue::UNDEFINED)
    }

    fn call_component(
        &self,
        method: &str,
        node: &web_sys::HtmlElement,
        props: &JsValue,
    ) -> Result<(), JsError> {
        let function = Reflect::get(self, &JsValue::from_str(method))?
            .dyn_into::<Function>()
            .map_err(|_| JsError(format!("Clerk.{method} is not a function")))?;
        function.call2(self, node, props)?;
        Ok(())
    }

    pub fn session(&self) -> Option<Session> {
        self.js_session()
    }

    pub fn auth_state(&self) -> AuthState {
        match (self.js_user(), self.js_session()) {
            (Some(user), Some(_)) => AuthState::SignedIn(SignedInUser {
                id: user.id().unwrap_or_default(),
                email: user
                    .primary_email_address()
                    .and_then(|address| address.email_address()),
                first_name: user.first_name(),
                last_name: user.last_name(),
                full_name: user.full_name(),
                image_url: user.image_url(),
            }),
            _ => AuthState::SignedOut,
        }
    }

    /// Calls `on_change` after every change Clerk reports (sign-in, sign-out, new user data).
    pub fn subscribe(&self, on_change: impl Fn(&Clerk) + 'static) -> Result<Subscription, JsError> {
        let clerk = self.clone();
        let listener =
            Closure::<dyn FnMut(JsValue)>::new(move |_resources: JsValue| on_change(&clerk));
        let unsubscribe = self.js_add_listener(listener.as_ref().unchecked_ref())?;
        Ok(Subscription {
            _listener: listener,
            unsubscribe: unsubscribe.dyn_into::<Function>().ok(),
        })
    }

    /// `redirectUrl` is `signOut`'s own option name in clerk-js 6 (`SignOutOptions`); only the
    /// sign-in and sign-up redirects were renamed (`sign{In,Up}{Force,Fallback}RedirectUrl`).
    pub async fn sign_out(&self, redirect_url: Option<&str>) -> Result<(), JsError> {
        let options = match redirect_url {
            Some(url) => options(&[("redirectUrl", JsValue::from_str(url))])?,
            None => JsValue::UNDEFINED,
        };
        settled(self.js_sign_out(&options)).await.map(drop)
    }
}

impl Clerk {
    /// To Clerk's session tasks (what a pending session must do before it is active).
    pub async fn redirect_to_tasks(&self) -> Result<(), JsError> {
        settled(self.js_redirect_to_tasks()).await.map(drop)
    }
}

impl Session {
    /// Clerk's session status: `active`, `pending`, …
    pub fn status(&self) -> Option<String> {
        self.js_status()
    }

    /// clerk-js's `getToken`: cached unless `fresh` (`skipCache`); `None` when signed out.
    pub async fn token(&self, fresh: bool) -> Result<Option<String>, JsError> {
        let options = options(&[("skipCache", JsValue::from_bool(fresh))])?;
        Ok(settled(self.js_get_token(&options)).await?.as_string())
    }
}
