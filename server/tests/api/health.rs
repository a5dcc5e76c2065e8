use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::spawn_app;

#[sqlx::test(migrations = "../migrations")]
async fn healthz_answers_ok(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_answers_ok_when_migrated_and_the_database_answers(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["migrations"], "applied");
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_answers_503_once_the_database_goes_away(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    pool.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn start_up_applies_the_migrations(pool: PgPool) {
    let _app = spawn_app(pool.clone()).await;
    let users_table: Option<String> = sqlx::query_scalar("SELECT to_regclass('users')::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users_table.as_deref(), Some("users"));
}
