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

#[sqlx::test(migrations = "../migrations")]
async fn a_connection_the_database_terminates_is_an_outage_not_a_failure(pool: PgPool) {
    // What a PostgreSQL restart does to every pooled connection: FATAL 57P01.
    let mut victim = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("select pg_backend_pid()")
        .fetch_one(&mut *victim)
        .await
        .unwrap();
    sqlx::query("select pg_terminate_backend($1)")
        .bind(pid)
        .execute(&pool)
        .await
        .unwrap();
    // Let the server's goodbye reach the socket, so that the next query reads it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let err = sqlx::query("select 1")
        .execute(&mut *victim)
        .await
        .unwrap_err();
    if let sqlx::Error::Database(db) = &err {
        assert_eq!(db.code().as_deref(), Some("57P01"), "{err:?}");
    }
    assert!(server::db::is_connection_error(&err), "{err:?}");
}
