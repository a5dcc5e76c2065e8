//! The emulator's Frontend API form bodies (`application/x-www-form-urlencoded`, as clerk-js
//! sends them) through its real router: sign-in, first factor, sign-up and its update, and
//! the profile update. Whatever the form says, the answer is never a server error.
//!
//! The first byte picks the endpoint; the rest is the form body. Endpoints that need a
//! sign-in, sign-up or session first get one from fixed requests on a fresh browser client.
#![no_main]

use std::{path::PathBuf, sync::Mutex, time::Duration};

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Method, Request, header},
};
use clerk_emulator::{Emulator, EmulatorConfig, seeds::SEEDS};
use libfuzzer_sys::fuzz_target;
use tokio::runtime::Runtime;
use tower::ServiceExt;

/// A fresh emulator after this many inputs, so its store (every input makes a browser
/// client, many make users) stays small and each input meets the same state.
const INPUTS_PER_EMULATOR: u32 = 2_000;

struct Harness {
    runtime: Runtime,
    router: Router,
    served: u32,
}

static HARNESS: Mutex<Option<Harness>> = Mutex::new(None);

/// The npm layout `Emulator::start` checks for; the scripts are never served here.
fn stand_in_clerk_js() -> PathBuf {
    let root = std::env::temp_dir().join(format!("populatte-fuzz-clerk-js-{}", std::process::id()));
    let clerk_js = root.join("clerk-js");
    let ui = root.join("ui");
    for (dir, entry, version) in [
        (&clerk_js, "clerk.browser.js", "6.0.0"),
        (&ui, "ui.browser.js", "1.0.0"),
    ] {
        std::fs::create_dir_all(dir.join("dist")).expect("a temporary folder");
        std::fs::write(dir.join("dist").join(entry), "").expect("a temporary file");
        std::fs::write(
            dir.join("package.json"),
            format!(r#"{{"version":"{version}"}}"#),
        )
        .expect("a temporary file");
    }
    clerk_js.join("dist")
}

fn start(runtime: &Runtime) -> Router {
    let config = EmulatorConfig {
        base_url: "http://127.0.0.1:3100".parse().expect("a valid URL"),
        key_file: Some(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tools/clerk-emulator/tests/fixtures/test-only-key-a.pem"
            )
            .into(),
        ),
        state_file: None,
        token_lifetime: Duration::from_secs(60),
        secret_key: "sk_test_fuzzing".into(),
        webhook: None,
        omit_custom_claims: false,
        seed_users: true,
        clerk_js_dir: stand_in_clerk_js(),
    };
    runtime
        .block_on(Emulator::start(config))
        .expect("the emulator starts")
        .router()
}

struct Answer {
    status: u16,
    client_cookie: Option<String>,
    json: serde_json::Value,
}

async fn send(
    router: &Router,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let request = request.body(Body::from(body)).expect("a valid request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let client_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__client="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    assert!(status < 500, "{path} answered {status}: {json}");
    Answer {
        status,
        client_cookie,
        json,
    }
}

/// A browser client with a sign-in waiting for its first factor: (cookie, sign-in id).
async fn identified(router: &Router) -> Option<(String, String)> {
    let body = format!("identifier={}", SEEDS[0].email).into_bytes();
    let answer = send(router, Method::POST, "/v1/client/sign_ins", None, body).await;
    let id = answer.json["response"]["id"].as_str()?.to_owned();
    Some((answer.client_cookie?, id))
}

async fn signed_in(router: &Router) -> Option<String> {
    let body = format!(
        "identifier={}&password={}",
        SEEDS[0].email, SEEDS[0].password
    )
    .into_bytes();
    let answer = send(router, Method::POST, "/v1/client/sign_ins", None, body).await;
    (answer.status == 200).then_some(())?;
    answer.client_cookie
}

async fn exercise(router: &Router, endpoint: u8, form: Vec<u8>) {
    match endpoint % 5 {
        0 => {
            send(router, Method::POST, "/v1/client/sign_ins", None, form).await;
        }
        1 => {
            send(router, Method::POST, "/v1/client/sign_ups", None, form).await;
        }
        2 => {
            let (cookie, id) = identified(router)
                .await
                .expect("a sign-in for a seeded user");
            let path = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
            send(router, Method::POST, &path, Some(&cookie), form).await;
        }
        3 => {
            let answer = send(
                router,
                Method::POST,
                "/v1/client/sign_ups",
                None,
                Vec::new(),
            )
            .await;
            let (Some(cookie), Some(id)) =
                (answer.client_cookie, answer.json["response"]["id"].as_str())
            else {
                panic!("an empty sign-up did not start: {}", answer.json);
            };
            let path = format!("/v1/client/sign_ups/{id}?_method=PATCH");
            send(router, Method::POST, &path, Some(&cookie), form).await;
        }
        _ => {
            let cookie = signed_in(router).await.expect("a seeded user signs in");
            send(
                router,
                Method::POST,
                "/v1/me?_method=PATCH",
                Some(&cookie),
                form,
            )
            .await;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&endpoint, form)) = data.split_first() else {
        return;
    };
    let mut guard = HARNESS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if guard
        .as_ref()
        .is_none_or(|h| h.served >= INPUTS_PER_EMULATOR)
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let router = start(&runtime);
        *guard = Some(Harness {
            runtime,
            router,
            served: 0,
        });
    }
    let harness = guard.as_mut().expect("set above");
    harness.served += 1;
    harness
        .runtime
        .block_on(exercise(&harness.router, endpoint, form.to_vec()));
});
