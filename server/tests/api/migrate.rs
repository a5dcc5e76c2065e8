//! Migrations apart from the servers: `populatte migrate` applies them with the direct URL and
//! exits; a server with `DATABASE_MIGRATE_ON_START=false` applies nothing and refuses a
//! schema behind its build.

use std::process::Stdio;

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{ServerProcess, database_url_of};

/// Runs the binary's `migrate` command with `env` alone (nothing of this process's
/// configuration); returns its exit code, standard output and standard error.
async fn migrate_command(env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_populatte"));
    for (name, _) in std::env::vars() {
        if name.starts_with("DATABASE_")
            || name.starts_with("CLERK_")
            || name.starts_with("LEPTOS_")
        {
            command.env_remove(name);
        }
    }
    let output = command
        .arg("migrate")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn applied_versions(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

fn known_versions() -> Vec<i64> {
    server::db::MIGRATOR.iter().map(|m| m.version).collect()
}

#[sqlx::test(migrations = false)]
async fn the_migrate_command_applies_migrations_with_the_direct_url_and_exits(pool: PgPool) {
    let direct = database_url_of(&pool).await;
    // DATABASE_URL leads nowhere: only the direct URL can have done the work.
    let env = [
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("DATABASE_DIRECT_URL", direct.as_str()),
    ];
    let (code, stdout, stderr) = migrate_command(&env).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(&format!("applied {} migration(s)", known_versions().len())),
        "{stdout}"
    );
    assert_eq!(applied_versions(&pool).await, known_versions());
    // A second run has nothing to do.
    let (code, stdout, stderr) = migrate_command(&env).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("up to date"), "{stdout}");
    // And a server that leaves migrations to the command starts on that schema.
    let server = ServerProcess::start(&[
        ("DATABASE_URL", direct.as_str()),
        ("DATABASE_MIGRATE_ON_START", "false"),
    ])
    .await;
    if server.address.is_none() {
        let (status, stderr) = server.exit().await;
        panic!("the server did not start ({status}): {stderr}");
    }
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_migrate_command_fails_when_the_database_is_unreachable() {
    let (code, _, stderr) = migrate_command(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("DATABASE_ACQUIRE_TIMEOUT_MS", "500"),
    ])
    .await;
    assert_eq!(code, Some(1));
    assert!(stderr.contains("unreachable"), "{stderr}");
}

#[tokio::test]
async fn the_migrate_command_names_a_bad_setting() {
    let (code, _, stderr) = migrate_command(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("DATABASE_POOLER", "transaction"),
    ])
    .await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("DATABASE_DIRECT_URL"), "{stderr}");
}

#[sqlx::test(migrations = false)]
async fn a_server_left_without_migrations_refuses_a_schema_behind_its_build(pool: PgPool) {
    // Every migration but the newest, applied by the migrator: the schema of the build before.
    let all = server::db::MIGRATOR.migrations.to_vec();
    let older = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(all[..all.len() - 1].to_vec()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    older.run(&pool).await.unwrap();
    let newest = all.last().unwrap();
    let url = database_url_of(&pool).await;
    let server = ServerProcess::start(&[
        ("DATABASE_URL", url.as_str()),
        ("DATABASE_MIGRATE_ON_START", "false"),
    ])
    .await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("behind this build"), "{stderr}");
    assert!(stderr.contains(&newest.version.to_string()), "{stderr}");
    assert!(stderr.contains("populatte migrate"), "{stderr}");
    // It applied nothing itself.
    assert_eq!(
        applied_versions(&pool).await,
        known_versions()[..all.len() - 1]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_left_without_migrations_refuses_a_changed_migration(pool: PgPool) {
    sqlx::query("update _sqlx_migrations set checksum = '\\x00' where version = $1")
        .bind(known_versions()[0])
        .execute(&pool)
        .await
        .unwrap();
    let url = database_url_of(&pool).await;
    let server = ServerProcess::start(&[
        ("DATABASE_URL", url.as_str()),
        ("DATABASE_MIGRATE_ON_START", "false"),
    ])
    .await;
    assert!(server.address.is_none(), "must not listen");
    let (status, stderr) = server.exit().await;
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("modified"), "{stderr}");
}
