//! The browser script in a real browser: headless Chromium runs tests/browser/scenario.js on
//! a page served beside the emulator, and this test checks what the scenario recorded.

use std::path::PathBuf;
use std::process::Command;

use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde_json::{Value, json};

use crate::helpers::{TempDir, spawn_app};

const PAGE: &str = include_str!("../browser/page.html");
const SCENARIO: &str = include_str!("../browser/scenario.js");

fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromium")))
        .filter(|p| p.exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_clerk_behaves_like_clerk_js_in_a_real_browser() {
    let chromium = chromium()
        .expect("this test needs Chromium (scripts/setup installs it, or set CHROMIUM=/path)");
    let page = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let served = page.clone();
    let routes = Router::new()
        .route(
            "/",
            get(move || {
                let page = served.lock().expect("page").clone();
                async move { Html(page) }
            }),
        )
        .route(
            "/scenario.js",
            get(|| async { ([("content-type", "text/javascript")], SCENARIO).into_response() }),
        );
    let test = spawn_app(|_| {}, routes).await;
    *page.lock().expect("page") =
        PAGE.replace("{{PUBLISHABLE_KEY}}", &test.emulator.publishable_key());

    let signed_out = run_page(&chromium, &format!("{}/?signed-out", test.origin)).await;
    assert_eq!(signed_out["errors"], json!([]), "{signed_out:#}");
    assert_eq!(
        signed_out["signedOut"],
        json!({
            "loaded": true,
            "session": null,
            "user": null,
            "isSignedIn": false,
            "clientSessions": 0,
            "uat": "0",
            "emissions": [{ "session": null, "user": null }],
        })
    );

    let result = run_page(&chromium, &format!("{}/", test.origin)).await;
    check(&result, &test.origin, &test.base);
}

/// Loads the page in a fresh headless Chromium profile and returns what the scenario wrote.
async fn run_page(chromium: &std::path::Path, url: &str) -> Value {
    let chromium = chromium.to_owned();
    let url = url.to_owned();
    let profile = TempDir::new();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=60000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .output()
    })
    .await
    .expect("join")
    .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    extract_result(&dom).unwrap_or_else(|| {
        panic!(
            "no result in the page; stderr: {}\nDOM: {dom}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn extract_result(dom: &str) -> Option<Value> {
    let start = dom.find("<pre id=\"result\" data-done=\"yes\">")?;
    let rest = &dom[start..];
    let text = &rest[rest.find('>')? + 1..rest.find("</pre>")?];
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).ok()
}

fn check(r: &Value, origin: &str, base: &str) {
    assert_eq!(r["errors"], json!([]), "{r:#}");
    assert!(
        r["publishableKey"]
            .as_str()
            .is_some_and(|k| k.starts_with("pk_test_"))
    );
    assert_eq!(r["loadedBefore"], false);
    assert_eq!(r["sessionBeforeLoad"], Value::Null);
    assert_eq!(r["loadIdempotent"], true);
    assert_eq!(r["loaded"], true);
    let ada = "user_2seedAdaLovelace00000000000";
    assert_eq!(
        r["emissionsAfterLoad"].as_array().map(Vec::len),
        Some(1),
        "{r:#}"
    );
    assert_eq!(r["emissionsAfterLoad"][0]["user"], ada);
    assert_eq!(r["lateListenerCalledAtOnce"], 1);
    assert_eq!(r["user"]["id"], ada);
    assert_eq!(r["user"]["email"], "ada@example.com");
    assert_eq!(r["user"]["emailCount"], 1);
    assert!(
        r["user"]["primaryEmailAddressId"]
            .as_str()
            .is_some_and(|s| s.starts_with("idn_"))
    );
    assert_eq!(r["user"]["fullName"], "Ada Lovelace");
    assert_eq!(r["user"]["firstName"], "Ada");
    assert_eq!(r["user"]["lastName"], "Lovelace");
    assert_eq!(r["user"]["imageUrl"], format!("{base}/avatars/{ada}.svg"));
    assert_eq!(r["sessionStatus"], "active");
    assert_eq!(r["sessionUserId"], ada);

    assert_eq!(r["cookieMatchesToken"], true, "__session holds the token");
    assert!(r["clientUat"].as_i64().is_some_and(|s| s > 1_600_000_000));
    assert_eq!(r["tokenSid"], true);
    assert_eq!(r["tokenAzp"], origin);
    assert_eq!(r["cachedTokenReused"], true);
    assert_eq!(r["skipCacheSharedOneRequest"], true);
    assert_eq!(r["skipCacheGaveNewToken"], true);
    assert_eq!(r["cookieFollowsNewToken"], true);
    assert_eq!(r["templateShared"], true);
    assert_eq!(r["templateCat"], "cl_B7d4PD222AAA");
    assert_eq!(r["templateHasSid"], false);
    assert_eq!(r["cookieUntouchedByTemplate"], true);

    assert_eq!(r["expiredIsPast"], true);
    assert_eq!(r["expiredServedFromCache"], true);
    assert_eq!(r["expiredInCookie"], true);
    assert_eq!(r["freshAfterExpired"], true);
    assert_eq!(r["backgroundRefreshed"], true);
    assert_eq!(r["omittedEmail"], false);
    assert_eq!(r["includedEmail"], true);

    assert_eq!(r["tokenAfterRevoke"], Value::Null);
    assert_eq!(r["sessionAfterRevoke"], Value::Null);
    assert_eq!(r["uatAfterRevoke"], "0");
    assert_eq!(
        r["emissionsAfterRevoke"],
        json!([{ "session": null, "user": null }])
    );

    assert_eq!(r["reloadedUser"], "user_2seedGraceHopper00000000000");
    assert_eq!(r["emissionsAfterReload"].as_array().map(Vec::len), Some(1));
    assert_eq!(r["isSignedIn"], true);
    let after = &r["afterSignOut"];
    assert_eq!(after["session"], Value::Null);
    assert_eq!(after["user"], Value::Null);
    assert_eq!(after["sessionCookie"], Value::Null, "__session cleared");
    assert_eq!(after["uat"], "0");
    assert_eq!(
        after["emissions"],
        json!([{ "session": null, "user": null }])
    );
    assert_eq!(after["staleSessionToken"], Value::Null);
    assert_eq!(
        r["signInUrl"],
        format!(
            "{base}/sign-in?redirect_url={}",
            format!("{origin}/after")
                .replace(':', "%3A")
                .replace('/', "%2F")
        )
    );
}
