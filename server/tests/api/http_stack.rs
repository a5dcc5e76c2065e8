use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{spawn_app, spawn_app_with, test_config};

#[sqlx::test(migrations = "../migrations")]
async fn landing_page_is_rendered_on_the_server(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Sign in with Clerk. Get a real local user."),
        "{html}"
    );
    assert!(html.contains("/pkg/populatte.css"));
    assert!(
        html.contains("/pkg/populatte.js"),
        "hydration script is linked"
    );
    assert!(
        !html.contains("https://"),
        "no external scripts, styles or fonts"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_pages_answer_404_html(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_api_paths_answer_the_json_error_shape(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/api/no-such-thing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: app::api::ErrorEnvelope = response.json().await.unwrap();
    assert_eq!(body.error.code, "not_found");
    assert!(!body.error.message.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_a_request_id_and_keeps_a_given_one(pool: PgPool) {
    let app = spawn_app(pool).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "req-from-proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "req-from-proxy-42");
}

#[sqlx::test(migrations = "../migrations")]
async fn request_bodies_over_the_limit_are_refused(pool: PgPool) {
    let config = test_config(&[("REQUEST_BODY_LIMIT_BYTES", "2048")]);
    let app = spawn_app_with(pool, config).await;
    let small = app
        .client
        .post(app.url("/api/echo"))
        .body(vec![b'a'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), StatusCode::NOT_FOUND);
    let large = app
        .client
        .post(app.url("/api/echo"))
        .body(vec![b'a'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
