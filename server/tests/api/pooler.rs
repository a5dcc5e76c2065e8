//! Every kind of statement the server sends, many at once. Run behind a transaction-mode
//! pooler with few server connections (scripts/pgbouncer-tests), a statement whose Bind
//! reaches another server connection than its Parse, or a named statement left on a shared
//! server connection, fails here; run direct, these are plain concurrency tests.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    clerk_mock::MockClerk,
    helpers::{SECRET, TestApp, deleted_event, delivery, ms, send, spawn_clerk_app, user_event},
    tokens::*,
};

async fn setup(pool: PgPool) -> TestApp {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    spawn_clerk_app(pool, &clerk, &[("CLERK_WEBHOOK_SIGNING_SECRET", SECRET)]).await
}

/// One user's life: first request (insert), a changed claim (update), a project created,
/// listed, renamed and deleted, a webhook update, then a webhook deletion (tombstone and
/// `pg_notify` in one transaction). Returns what went wrong, if anything.
async fn life(app: &TestApp, n: usize) -> Result<(), String> {
    let id = format!("user_pool{n}");
    let check = |what: &str, status: StatusCode, expected: StatusCode| {
        if status == expected {
            Ok(())
        } else {
            Err(format!("{id}: {what} answered {status}, not {expected}"))
        }
    };
    let token = Mint::session(&id).sign();
    check(
        "first request",
        app.me(&token).await.status(),
        StatusCode::OK,
    )?;
    let renamed = Mint::session(&id)
        .claim("firstName", json!(format!("Renamed {n}")))
        .sign();
    check(
        "changed claims",
        app.me(&renamed).await.status(),
        StatusCode::OK,
    )?;
    let created = app
        .client
        .post(app.url("/api/projects"))
        .bearer_auth(&token)
        .json(&json!({"name": format!("Project {n}")}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    check("create", created.status(), StatusCode::CREATED)?;
    let project: Value = created.json().await.map_err(|e| e.to_string())?;
    let path = format!(
        "/api/projects/{}",
        project["id"].as_str().unwrap_or_default()
    );
    check(
        "list",
        app.get_as("/api/projects", &token).await.status(),
        StatusCode::OK,
    )?;
    let edited = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .json(&json!({"name": format!("Renamed project {n}")}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    check("rename", edited.status(), StatusCode::OK)?;
    let deleted = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    check("delete", deleted.status(), StatusCode::NO_CONTENT)?;
    let update = delivery(&user_event("user.updated", &id, "new@example.com", ms(1)));
    check(
        "webhook update",
        send(app, &update).await.status(),
        StatusCode::OK,
    )?;
    let deletion = delivery(&deleted_event(&id, ms(2)));
    check(
        "webhook deletion",
        send(app, &deletion).await.status(),
        StatusCode::OK,
    )?;
    check(
        "request after deletion",
        app.me(&token).await.status(),
        StatusCode::UNAUTHORIZED,
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn statements_of_every_kind_succeed_when_many_requests_share_few_connections(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let failures: Vec<String> = futures::future::join_all((0..40).map(|n| life(&app, n)))
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    let (users, tombstones): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where deleted_at is not null) from users",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((users, tombstones), (40, 40));
    let projects: i64 = sqlx::query_scalar("select count(*) from projects")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(projects, 0);
}
