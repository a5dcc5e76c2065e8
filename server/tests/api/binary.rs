//! The real binary: start-up failures, an unreachable database, logs and shutdown.

use std::time::Duration;

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{ServerProcess, database_url_of};

#[tokio::test]
async fn malformed_database_url_stops_start_up_naming_the_variable() {
    let server =
        ServerProcess::start(&[("DATABASE_URL", "postgres://u:sekrit@host:port/db")]).await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("sekrit"), "the password leaked: {stderr}");
}

#[tokio::test]
async fn missing_database_url_stops_start_up_naming_the_variable() {
    let server = ServerProcess::start(&[]).await;
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

#[tokio::test]
async fn unreachable_database_gives_503_from_readyz_and_the_process_stays_up() {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    let mut server = ServerProcess::start(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("DATABASE_ACQUIRE_TIMEOUT_MS", "500"),
    ])
    .await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let ready = client.get(server.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body["database"], "unreachable");
        assert_eq!(body["migrations"], "pending");
        let health = client.get(server.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "process still up"
    );
    server.signal("TERM");
    let (status, _) = server.exit().await;
    assert!(status.success());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_modified_migration_stops_start_up_with_a_clear_message(pool: PgPool) {
    sqlx::query("UPDATE _sqlx_migrations SET checksum = '\\x00'")
        .execute(&pool)
        .await
        .unwrap();
    let url = database_url_of(&pool).await;
    let server = ServerProcess::start(&[("DATABASE_URL", &url)]).await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("migrations failed"), "{stderr}");
    assert!(stderr.contains("modified"), "{stderr}");
}

#[sqlx::test(migrations = "../migrations")]
async fn logs_carry_the_request_id_and_sigterm_stops_gracefully(pool: PgPool) {
    let url = database_url_of(&pool).await;
    let server = ServerProcess::start(&[("DATABASE_URL", &url), ("LOG_FORMAT", "json")]).await;
    let response = reqwest::Client::new()
        .get(server.url("/readyz"))
        .header("x-request-id", "trace-me-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The response line is written after the body is sent: wait for it.
    let mut line = None;
    for _ in 0..50 {
        line = server
            .log()
            .into_iter()
            .find(|l| l.contains("trace-me-7f3a") && l.contains("finished processing request"));
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let line = line.expect("a log line with the request id");
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(json["span"]["request_id"], "trace-me-7f3a");
    assert_eq!(json["span"]["path"], "/readyz");

    server.signal("TERM");
    let log = server.stdout.clone();
    let (status, _) = server.exit().await;
    assert!(status.success(), "graceful exit, got {status:?}");
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("SIGTERM received"))
    );
}

#[tokio::test]
async fn production_without_clerk_keys_refuses_to_start_the_emulator() {
    let server = ServerProcess::start(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("LEPTOS_ENV", "PROD"),
    ])
    .await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("CLERK_SECRET_KEY"), "{stderr}");
    assert!(
        stderr.contains("emulator never runs in production"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_emulator_refuses_to_run_beside_real_clerk_keys() {
    let server = ServerProcess::start(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("CLERK_EMULATOR", "on"),
        (
            "CLERK_PUBLISHABLE_KEY",
            "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk",
        ),
        ("CLERK_SECRET_KEY", "sk_test_real"),
    ])
    .await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("CLERK_EMULATOR"), "{stderr}");
    assert!(stderr.contains("never runs beside real"), "{stderr}");
}

#[tokio::test]
async fn the_emulators_own_guard_refuses_a_production_environment() {
    // APP_ENV is not the app's production switch, but the emulator's guard reads it too:
    // the configuration lets the emulator start, its own check refuses.
    let server = ServerProcess::start(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("APP_ENV", "production"),
        ("CLERK_EMULATOR_STATE_FILE", "none"),
    ])
    .await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("emulator refused to start"), "{stderr}");
}
