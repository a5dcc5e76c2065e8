use axum::http::StatusCode;
use clerk_emulator::{TEMPLATE_TOKEN_CATEGORY, seeds};
use serde_json::{Value, json};

use crate::helpers::{TestEmulator, raw_header, sign_in, spawn};

async fn fapi(
    test: &TestEmulator,
    method: &str,
    path: &str,
    client: Option<&str>,
) -> (StatusCode, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = test
        .http
        .request(method, test.url(path))
        .header("origin", &test.origin);
    if let Some(client) = client {
        request = request.header("cookie", format!("__client={client}"));
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn browser_client_session_tokens_and_sign_out() {
    let test = spawn().await;
    let (status, signed_out) = fapi(&test, "GET", "/v1/client", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(signed_out["response"], Value::Null);

    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let (status, body) = fapi(&test, "GET", "/v1/client", Some(&client)).await;
    assert_eq!(status, StatusCode::OK);
    let response = &body["response"];
    assert_eq!(response["object"], "client");
    let session = &response["sessions"][0];
    let sid = session["id"].as_str().expect("sid").to_owned();
    assert_eq!(response["last_active_session_id"], sid.as_str());
    assert_eq!(session["status"], "active");
    assert_eq!(session["user"]["id"], seeds::ADA_LOVELACE);
    assert_eq!(
        session["user"]["email_addresses"][0]["email_address"],
        "ada@example.com"
    );
    assert!(session["user"].get("private_metadata").is_none());

    let (status, token) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let claims = test
        .verify(token["jwt"].as_str().expect("jwt"), true)
        .await
        .expect("verifies");
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(
        claims["azp"],
        test.origin.as_str(),
        "azp is the requesting origin"
    );

    let (status, template) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens/backend"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let jwt = template["jwt"].as_str().expect("jwt");
    assert_eq!(raw_header(jwt)["cat"], TEMPLATE_TOKEN_CATEGORY);
    assert!(
        test.verify(jwt, true)
            .await
            .expect("verifies")
            .get("sid")
            .is_none()
    );

    // Someone else's browser cannot use the session, nor can a browser with no cookie.
    let (status, _) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some("stolen"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = fapi(
        &test,
        "POST",
        "/v1/client/sessions/sess_unknown/tokens",
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, removed) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/remove"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(removed["response"]["status"], "removed");
    assert_eq!(removed["client"]["sessions"], json!([]));
    let (status, body) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens/backend"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_a_session_or_deleting_its_user_signs_the_browser_out() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ALAN_TURING).await;
    let (_, body) = fapi(&test, "GET", "/v1/client", Some(&client)).await;
    let sid = body["response"]["sessions"][0]["id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let (status, _) = test
        .send(
            "POST",
            &format!("/_emulator/sessions/{sid}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let client = sign_in(&test, seeds::GRACE_HOPPER).await;
    let (_, body) = fapi(&test, "GET", "/v1/client", Some(&client)).await;
    let sid = body["response"]["sessions"][0]["id"]
        .as_str()
        .expect("sid")
        .to_owned();
    test.send(
        "DELETE",
        &format!("/_emulator/users/{}", seeds::GRACE_HOPPER),
        json!(null),
    )
    .await;
    let (status, _) = fapi(
        &test,
        "POST",
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some(&client),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, body) = fapi(&test, "GET", "/v1/client", Some(&client)).await;
    assert_eq!(body["response"]["sessions"], json!([]));
}

#[tokio::test]
async fn expired_token_endpoint_mints_a_past_token_for_the_session() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let (_, body) = fapi(&test, "GET", "/v1/client", Some(&client)).await;
    let sid = body["response"]["sessions"][0]["id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let (status, expired) = fapi(
        &test,
        "POST",
        &format!("/_emulator/sessions/{sid}/expired-token"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let jwt = expired["jwt"].as_str().expect("jwt");
    assert!(
        test.verify(jwt, true)
            .await
            .is_err_and(|e| e.contains("Expired"))
    );
    let claims = test.verify(jwt, false).await.expect("signature");
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(claims["azp"], test.origin.as_str());
}

#[tokio::test]
async fn a_null_origin_is_foreign_for_every_state_changing_method() {
    let test = spawn().await;
    // `Origin: null` is what a sandboxed iframe or a `data:` page on any website sends.
    let null_origin = |method: reqwest::Method, path: String| {
        test.http
            .request(method, test.url(&path))
            .header("origin", "null")
    };
    let user = format!("/_emulator/users/{}", seeds::GRACE_HOPPER);
    let attempts = [
        null_origin(reqwest::Method::POST, format!("{user}?_method=DELETE")),
        null_origin(reqwest::Method::DELETE, user.clone()),
        null_origin(reqwest::Method::PATCH, user.clone()).json(&json!({ "first_name": "Eve" })),
        null_origin(reqwest::Method::POST, "/_emulator/tokens".into())
            .json(&json!({ "user_id": seeds::ADA_LOVELACE })),
    ];
    for attempt in attempts {
        let response = attempt.send().await.expect("send");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
    let (status, grace) = test.get(&user).await;
    assert_eq!(status, StatusCode::OK, "the user is still there");
    assert_eq!(grace["first_name"], "Grace");
    // Reading changes nothing, so a null origin may still read.
    let read = null_origin(reqwest::Method::GET, "/.well-known/jwks.json".into())
        .send()
        .await
        .expect("send");
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn foreign_origins_cannot_change_state_but_allowed_ones_get_cors() {
    let test = spawn().await;
    let refused = test
        .http
        .post(test.url("/_emulator/tokens"))
        .header("origin", "https://evil.example")
        .json(&json!({ "user_id": seeds::ADA_LOVELACE }))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    test.emulator
        .allow_origin("http://localhost:5173")
        .expect("origin");
    let preflight = test
        .http
        .request(
            reqwest::Method::OPTIONS,
            test.url("/v1/client/sessions/x/tokens"),
        )
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("send");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    let allowed = test
        .http
        .get(test.url("/v1/client"))
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .expect("send");
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:5173")
    );
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
}

#[tokio::test]
async fn the_real_clerk_js_is_served_under_its_exact_version_and_cached_for_good() {
    let test = spawn().await;
    let version = test.emulator.clerk_js_version().to_owned();
    assert!(version.starts_with("6."), "{version}");
    assert_eq!(
        test.emulator.script_url().as_str(),
        format!(
            "{}/npm/@clerk/clerk-js@{version}/dist/clerk.browser.js",
            test.base
        )
    );
    let response = test
        .http
        .get(test.emulator.script_url())
        .send()
        .await
        .expect("script");
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert!(header("content-type").is_some_and(|v| v.starts_with("text/javascript")));
    assert_eq!(
        header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let text = response.text().await.expect("text");
    assert!(text.contains(&version), "the bundle names its version");
    // Another version, a path outside dist/ or a file that is not a script: not found.
    for path in [
        "/npm/@clerk/clerk-js@6.0.0/dist/clerk.browser.js".to_owned(),
        format!("/npm/@clerk/clerk-js@{version}/dist/..%2Fpackage.json"),
        format!("/npm/@clerk/clerk-js@{version}/dist/README.md"),
    ] {
        let response = test.http.get(test.url(&path)).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn avatars_are_local_svgs() {
    let test = spawn().await;
    let response = test
        .http
        .get(test.url(&format!("/avatars/{}.svg", seeds::ADA_LOVELACE)))
        .send()
        .await
        .expect("avatar");
    assert_eq!(response.status(), StatusCode::OK);
    let svg = response.text().await.expect("svg");
    assert!(svg.contains(">AL</text>"), "{svg}");
}
