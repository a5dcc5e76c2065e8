//! The browser plumbing in a JavaScript engine: the fetch transport, the REST client and a
//! server function under the request policy, against a scripted `fetch` (Node, no browser
//! needed). The tokens come from a token source written here in Rust; the clerk-js bindings
//! themselves (`ClerkTokens`, `ClerkProvider`) are tested with the real clerk-js in Chromium
//! (`end2end/tests/clerk-bindings.spec.ts`), since clerk-js cannot run in Node.
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
use app::client::{ApiClient, AuthPolicy, TokenError, TokenProvider, install_policy};
use futures::future::LocalBoxFuture;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const ORIGIN: &str = "http://populatte.test";

/// The server's verdicts are set per step through `__mock`; `current`/`fresh` are the tokens
/// the token source below hands out.
const MOCK: &str = r#"
globalThis.__mock = {
  current: 'stale', fresh: 'fresh', accepted: ['fresh'], status: null, offline: false,
  refreshes: 0, calls: [],
};
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
struct Summary {
    refreshes: u32,
    calls: Vec<Call>,
}

/// Tokens as clerk-js hands them out: the current one, or (fresh) a newly minted one, which
/// then becomes the current one. Read from `__mock` so that each step can set them.
struct ScriptedTokens;

impl TokenProvider for ScriptedTokens {
    fn token(&self, fresh: bool) -> LocalBoxFuture<'static, Result<Option<String>, TokenError>> {
        Box::pin(async move {
            // A tick, as clerk-js's promise takes one.
            gloo_timers::future::TimeoutFuture::new(1).await;
            let source = if fresh {
                "__mock.refreshes += 1; __mock.current = __mock.fresh; return __mock.current;"
            } else {
                "return __mock.current;"
            };
            Ok(js(source).as_string())
        })
    }
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
    install_policy(AuthPolicy::new(Rc::new(ScriptedTokens), move |_| {
        counter.set(counter.get() + 1)
    }));
    let api = ApiClient::with_base_url(ORIGIN);

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
}

/// The redirect rule on the browser's own `URL`: the same answers as the server's parser
/// (`app/src/redirect/tests.rs`), so that the two halves never disagree.
#[wasm_bindgen_test]
fn the_redirect_rule_in_the_browser_matches_the_server() {
    use app::redirect::same_site_target;
    for (candidate, expected) in [
        ("/dashboard?tab=1&b=2", Some("/dashboard?tab=1&b=2")),
        ("/a/../b/./c", Some("/b/c")),
        ("/\u{3002}/x", Some("/%E3%80%82/x")),
        ("/a b?q=\u{1}\u{7f}\u{e9}", Some("/a%20b?q=%01%7F%C3%A9")),
        ("/da\tsh\nboard\r", Some("/dashboard")),
        ("/p?a=1#frag", Some("/p?a=1")),
        ("//evil.example", None),
        ("///evil.example/", None),
        ("/\\evil.example", None),
        ("/\t/evil.example", None),
        ("\u{0}//evil.example", None),
        ("https:/evil.example", None),
        ("javascript:alert(1)", None),
        ("/a/..//evil.example", None),
        ("https://populatte.invalid/", None),
    ] {
        assert_eq!(
            same_site_target(candidate).as_deref(),
            expected,
            "{candidate:?}"
        );
    }
}
