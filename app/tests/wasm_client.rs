//! The browser plumbing end to end in a JavaScript engine: clerk-js bindings, the token
//! provider, the fetch transport, the REST client and a server function, against a scripted
//! `Clerk` and `fetch` (Node, no browser needed):
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test -p app --features hydrate --target wasm32-unknown-unknown --test wasm_client
//! ```
#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]
// Clippy's test allowances know `#[test]`, not `#[wasm_bindgen_test]`.
#![allow(clippy::unwrap_used)]

use std::{cell::Cell, rc::Rc};

use app::api::{ApiError, reason};
use app::clerk::{AuthState, ClerkProvider, ClerkProviderProps, ClerkTokens, ClerkUser, use_clerk};
use app::client::{ApiClient, AuthPolicy, TokenProvider, install_policy};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const ORIGIN: &str = "http://populatte.test";

/// `Clerk` appears 100 ms late (like an `async` script); tokens and the server's verdicts are
/// set per step through `__mock`.
const MOCK: &str = r#"
globalThis.__mock = {
  current: 'stale', fresh: 'fresh', accepted: ['fresh'], status: null, offline: false,
  loads: 0, refreshes: 0, calls: [], listeners: [], unsubscribed: 0, signOuts: [],
};
setTimeout(() => {
  globalThis.Clerk = {
    loaded: false,
    async load() { __mock.loads += 1; await null; this.loaded = true; },
    user: { id: 'user_1', firstName: 'Ada', lastName: null, fullName: 'Ada',
            imageUrl: null, primaryEmailAddress: { emailAddress: 'ada@example.com' } },
    session: {
      id: 'sess_1',
      async getToken(options) {
        if (options && options.skipCache) { __mock.refreshes += 1; __mock.current = __mock.fresh; }
        return __mock.current;
      },
    },
    addListener(listener) {
      __mock.listeners.push(listener);
      return () => { __mock.unsubscribed += 1; };
    },
    async signOut(options) { __mock.signOuts.push(options && options.redirectUrl); },
  };
}, 100);
globalThis.fetch = async (request) => {
  const call = {
    method: request.method, url: request.url, body: await request.text(),
    auth: request.headers.get('Authorization'), type: request.headers.get('Content-Type'),
  };
  __mock.calls.push(call);
  if (__mock.offline) throw new TypeError('fetch failed');
  const json = (status, value, headers = {}) => new Response(
    value === undefined ? null : JSON.stringify(value),
    { status, headers: { 'Content-Type': 'application/json', ...headers } });
  if (__mock.status) return json(__mock.status, { error: { code: 'forbidden', message: 'no' } });
  const token = (call.auth || '').replace('Bearer ', '');
  if (!__mock.accepted.includes(token)) {
    return json(401, { error: { code: 'unauthorized', reason: 'token-expired', message: 'expired' } },
                { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  if (call.url.includes('/api/echo')) return json(200, new URLSearchParams(call.body).get('text'));
  if (call.method === 'DELETE') return new Response(null, { status: 204 });
  return json(200, { name: 'ada' });
};
"#;

fn js(source: &str) -> JsValue {
    js_sys::Function::new_no_args(source)
        .call0(&JsValue::NULL)
        .unwrap()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    loads: u32,
    unsubscribed: u32,
    sign_outs: Vec<Option<String>>,
    refreshes: u32,
    calls: Vec<Call>,
}

#[derive(Debug, Deserialize)]
struct Call {
    method: String,
    url: String,
    body: String,
    auth: Option<String>,
    #[serde(rename = "type")]
    content_type: Option<String>,
}

/// What happened since the last look.
fn take_summary() -> Summary {
    let json =
        js("const s = JSON.stringify(__mock); __mock.calls = []; __mock.refreshes = 0; return s;");
    serde_json::from_str(&json.as_string().unwrap()).unwrap()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Thing {
    name: String,
}

#[server(client = app::client::AuthedClient)]
pub async fn echo(text: String) -> Result<String, ApiError> {
    Ok(text)
}

#[wasm_bindgen_test]
async fn the_browser_plumbing_follows_the_policy() {
    js(MOCK);
    let _ = leptos::server_fn::client::try_set_server_url(ORIGIN);
    let signed_out = Rc::new(Cell::new(0));
    let counter = signed_out.clone();
    install_policy(AuthPolicy::new(Rc::new(ClerkTokens), move |_| {
        counter.set(counter.get() + 1)
    }));
    let api = ApiClient::with_base_url(ORIGIN);

    // Clerk is not there yet: both callers wait for it, and it is loaded once.
    let (a, b) = futures::join!(ClerkTokens.token(false), ClerkTokens.token(false));
    assert_eq!(
        (a.unwrap(), b.unwrap()),
        (Some("stale".into()), Some("stale".into()))
    );
    assert_eq!(take_summary().loads, 1);

    // REST: refused, one skipCache refresh, retried with the fresh token.
    let thing: Thing = api.get("/api/me").await.unwrap();
    assert_eq!(thing.name, "ada");
    let seen = take_summary();
    assert_eq!(seen.refreshes, 1);
    let auth: Vec<_> = seen.calls.iter().map(|c| c.auth.as_deref()).collect();
    assert_eq!(auth, [Some("Bearer stale"), Some("Bearer fresh")]);
    assert_eq!(seen.calls[0].url, format!("{ORIGIN}/api/me"));

    // A server function: the same request, body and all, sent again with the fresh token.
    js("__mock.current = 'old'; __mock.fresh = 'new'; __mock.accepted = ['new'];");
    assert_eq!(echo("hello, world".into()).await.unwrap(), "hello, world");
    let seen = take_summary();
    assert_eq!(seen.refreshes, 1);
    assert_eq!(seen.calls.len(), 2);
    assert_eq!(seen.calls[0].body, seen.calls[1].body);
    assert_eq!(seen.calls[0].method, "POST");
    assert!(seen.calls[0].url.starts_with(&format!("{ORIGIN}/api/echo")));
    assert_eq!(seen.calls[1].auth.as_deref(), Some("Bearer new"));
    assert_eq!(
        seen.calls[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );

    // 204 decodes as unit; JSON bodies carry their content type.
    api.delete::<()>("/api/things/1").await.unwrap();
    let created: Thing = api
        .post("/api/things", &Thing { name: "x".into() })
        .await
        .unwrap();
    assert_eq!(created.name, "ada");
    let seen = take_summary();
    assert_eq!(
        seen.calls[1].content_type.as_deref(),
        Some("application/json")
    );
    assert_eq!(seen.calls[1].body, r#"{"name":"x"}"#);
    assert_eq!(signed_out.get(), 0);

    // No other status is retried.
    js("__mock.status = 403;");
    let forbidden = api.get::<Thing>("/api/me").await;
    assert!(
        matches!(forbidden, Err(ApiError::Forbidden { .. })),
        "{forbidden:?}"
    );
    assert_eq!(take_summary().calls.len(), 1);
    js("__mock.status = null;");

    // Refused even with a fresh token: two attempts, then signed out, typed error back.
    // (Each refresh mints a token of its own, as clerk-js's `skipCache` does.)
    js("__mock.accepted = []; __mock.fresh = 'newer';");
    let refused = api.get::<Thing>("/api/me").await.unwrap_err();
    assert_eq!(refused.reason(), Some(reason::TOKEN_EXPIRED));
    assert_eq!(take_summary().calls.len(), 2);
    assert_eq!(signed_out.get(), 1);
    js("__mock.fresh = 'newest';");
    let refused = echo("x".into()).await.unwrap_err();
    assert_eq!(refused.reason(), Some(reason::TOKEN_EXPIRED));
    assert_eq!(signed_out.get(), 2);
    take_summary();

    // The network failing is an error of its own, not a retry.
    js("__mock.offline = true; __mock.accepted = ['new'];");
    let offline = api.get::<Thing>("/api/me").await;
    assert!(
        matches!(offline, Err(ApiError::Network { .. })),
        "{offline:?}"
    );
    assert_eq!(take_summary().calls.len(), 1);

    js("__mock.offline = false;");

    // The provider: signed in once Clerk has loaded, following Clerk's changes, ending a
    // session the server refuses, and letting go of Clerk when its owner goes.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    let clerk = owner.with(|| {
        let _ = ClerkProvider(ClerkProviderProps {
            initial: Some(AuthState::Loading),
            children: Box::new(|| ().into_any()),
        });
        use_clerk()
    });
    gloo_timers::future::TimeoutFuture::new(20).await;
    let ada = ClerkUser {
        id: "user_1".into(),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        last_name: None,
        full_name: Some("Ada".into()),
        image_url: None,
    };
    assert_eq!(
        clerk.state().get_untracked(),
        AuthState::SignedIn(ada.clone())
    );

    js("Clerk.user.lastName = 'Lovelace'; __mock.listeners.forEach((listener) => listener({}));");
    let renamed = ClerkUser {
        last_name: Some("Lovelace".into()),
        ..ada
    };
    assert_eq!(clerk.state().get_untracked(), AuthState::SignedIn(renamed));

    clerk.session_refused();
    assert_eq!(clerk.state().get_untracked(), AuthState::SignedOut);
    gloo_timers::future::TimeoutFuture::new(20).await;
    assert_eq!(take_summary().sign_outs, [Some("/".to_owned())]);

    owner.cleanup();
    assert_eq!(take_summary().unsubscribed, 1);
}
