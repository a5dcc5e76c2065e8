//! The app with no Clerk keys: the emulator mounted under /__clerk, reached by the server's
//! real code paths (JWKS and Backend API over HTTP, Svix-signed webhooks over HTTP).

use std::time::Duration;

use clerk_emulator::seeds::ADA_LOVELACE;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::{TestApp, spawn_app, spawn_app_with, test_config};

async fn control(app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> Value {
    let response = app
        .client
        .request(method, app.url(&format!("/__clerk/_emulator{path}")))
        .header("origin", &app.address)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn mint(app: &TestApp, body: Value) -> String {
    control(app, reqwest::Method::POST, "/tokens", body).await["jwt"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Makes the app forget a user the emulator knows, as if it had never seen them: waits until
/// the emulator's webhooks about the user have landed, then removes the local row.
async fn forget_locally(app: &TestApp, pool: &PgPool, user_id: &str) {
    for _ in 0..100 {
        let log = control(app, reqwest::Method::GET, "/webhooks/deliveries", json!({})).await;
        let pending = log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["user_id"] == user_id && d["status"] != "delivered");
        if !pending {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sqlx::query("delete from users where clerk_id = $1")
        .bind(user_id)
        .execute(pool)
        .await
        .unwrap();
    app.invalidate(user_id);
}

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let response = app.me(token).await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn an_emulator_token_signs_in_a_local_user(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let token = mint(&app, json!({"user_id": ADA_LOVELACE})).await;
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["clerk_id"], ADA_LOVELACE);
    assert_eq!(body["first_name"], "Ada");
    let stored: String = sqlx::query_scalar("select email from users where clerk_id = $1")
        .bind(ADA_LOVELACE)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(body["email"], stored);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_emulator_template_token_is_not_a_session_token(pool: PgPool) {
    let app = spawn_app(pool).await;
    control(
        &app,
        reqwest::Method::PUT,
        "/templates/integration",
        json!({"claims": {"email": "{{user.primary_email_address}}"}}),
    )
    .await;
    let token = mint(
        &app,
        json!({"user_id": ADA_LOVELACE, "template": "integration"}),
    )
    .await;
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["reason"], "token-type-mismatch");
}

#[sqlx::test(migrations = "../migrations")]
async fn without_custom_claims_the_server_asks_the_emulators_backend_api(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    forget_locally(&app, &pool, ADA_LOVELACE).await;
    let token = mint(
        &app,
        json!({"user_id": ADA_LOVELACE, "omit_custom_claims": true}),
    )
    .await;
    control(
        &app,
        reqwest::Method::DELETE,
        "/backend-api/calls",
        json!({}),
    )
    .await;
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["first_name"], "Ada",
        "the profile came from GET /v1/users/{{id}}"
    );
    let (status, _) = me(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    let calls = control(&app, reqwest::Method::GET, "/backend-api/calls", json!({})).await;
    assert_eq!(calls["calls"]["GET /v1/users/{id}"], 1, "{calls}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_mounted_emulators_backend_api_answers_the_configured_secret_key(pool: PgPool) {
    let secret = "sk_test_populatte_scripts";
    let app = spawn_app_with(pool, test_config(&[("CLERK_EMULATOR_SECRET_KEY", secret)])).await;
    // What a script driving the emulator with Clerk's Node SDK does.
    let users = |key: &'static str| {
        app.client
            .get(app.url("/__clerk/v1/users"))
            .bearer_auth(key)
            .send()
    };
    let response = users(secret).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Value = response.json().await.unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|user| user["id"] == ADA_LOVELACE),
        "{listed}"
    );
    assert_eq!(
        users("sk_test_somebody_else").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // The server itself uses the same key for the JWKS and the Backend API.
    let token = mint(
        &app,
        json!({"user_id": ADA_LOVELACE, "omit_custom_claims": true}),
    )
    .await;
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_emulators_backend_api_failing_gives_503(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    // Keys first, while the Backend API still answers.
    let warm = mint(&app, json!({"user_id": ADA_LOVELACE})).await;
    assert_eq!(me(&app, &warm).await.0, StatusCode::OK);
    control(
        &app,
        reqwest::Method::PUT,
        "/backend-api/failure",
        json!({"status": 429}),
    )
    .await;
    let created = control(
        &app,
        reqwest::Method::POST,
        "/users",
        json!({"email_address": "new@example.com", "first_name": "New"}),
    )
    .await;
    let user_id = created["id"].as_str().unwrap();
    forget_locally(&app, &pool, user_id).await;
    let token = mint(
        &app,
        json!({"user_id": user_id, "omit_custom_claims": true}),
    )
    .await;
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_emulators_webhooks_change_what_api_me_shows(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    // Tokens without profile claims: what /api/me shows can only come from the database,
    // which only webhooks change.
    let token = mint(
        &app,
        json!({"user_id": ADA_LOVELACE, "omit_custom_claims": true}),
    )
    .await;
    let (_, before) = me(&app, &token).await;
    control(
        &app,
        reqwest::Method::PATCH,
        &format!("/users/{ADA_LOVELACE}"),
        json!({"first_name": "Augusta", "email_address": "augusta@example.com"}),
    )
    .await;
    let mut shown = before.clone();
    for _ in 0..50 {
        shown = me(&app, &token).await.1;
        if shown["first_name"] == "Augusta" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shown["first_name"], "Augusta", "{shown}");
    assert_eq!(shown["email"], "augusta@example.com");
    assert_eq!(shown["id"], before["id"], "the same local user");
    let deliveries = control(
        &app,
        reqwest::Method::GET,
        "/webhooks/deliveries",
        json!({}),
    )
    .await;
    assert!(
        deliveries["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["event_type"] == "user.updated" && d["status"] == "delivered"),
        "{deliveries}"
    );

    // Deleting the user in the emulator: the webhook tombstones the local row.
    control(
        &app,
        reqwest::Method::DELETE,
        &format!("/users/{ADA_LOVELACE}"),
        json!({}),
    )
    .await;
    let mut status = StatusCode::OK;
    for _ in 0..50 {
        let (s, body) = me(&app, &token).await;
        status = s;
        if s == StatusCode::UNAUTHORIZED {
            assert_eq!(body["error"]["reason"], "user-deleted");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_page_loads_the_real_clerk_js_from_this_origin_in_proxy_mode(pool: PgPool) {
    let app = spawn_app_with(pool, test_config(&[])).await;
    let html = app.get("/").await.text().await.unwrap();
    let src = html
        .split("src=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|src| src.ends_with("/clerk.browser.js"))
        .unwrap_or_else(|| panic!("no clerk-js script in {html}"))
        .to_owned();
    assert!(src.starts_with("/__clerk/npm/@clerk/clerk-js@6."), "{src}");
    assert!(html.contains("data-clerk-proxy-url=\"/__clerk\""), "{html}");
    assert!(html.contains("data-clerk-publishable-key=\"pk_live_"));
    let script = app.get(&src).await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        script.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=31536000, immutable"
    );
}
