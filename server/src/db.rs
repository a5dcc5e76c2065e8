//! The PostgreSQL pools, the schema at start-up (migrated, or checked) and readiness.

pub mod deliveries;
pub mod executor;
pub mod projects;
pub mod users;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use populatte::RepositoryError;
use sqlx::{
    PgPool,
    migrate::{Migrate, MigrateError, Migrator},
    postgres::{PgConnectOptions, PgPoolOptions},
};

pub use executor::{Db, Pooler, Tx};

use crate::{config::DatabaseConfig, retry::Backoff};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Builds the pools without connecting: the process starts (and `/healthz` answers) even while
/// the database is down; `/readyz` tells the difference.
pub fn connect_lazy(config: &DatabaseConfig) -> Db {
    let mut options = config.connect_options.clone();
    if config.pooler == Pooler::Transaction {
        // Statements are unnamed behind the pooler (see `executor`), so a cache would stay
        // empty. `extra_float_digits` is a startup parameter PgBouncer refuses unless told
        // to ignore it; its effect (text floats at full precision) is the server default
        // since PostgreSQL 12, and sqlx reads numbers in binary anyway.
        options = options.statement_cache_capacity(0).extra_float_digits(None);
    }
    let pool = pool_options(config)
        .max_connections(config.max_connections)
        .connect_lazy_with(options);
    let direct = match &config.direct_options {
        // The listener holds one connection; migrations take another while they run.
        Some(direct) => pool_options(config)
            .max_connections(2)
            .connect_lazy_with(direct.clone()),
        None => pool.clone(),
    };
    Db::new(pool, direct, config.pooler)
}

fn pool_options(config: &DatabaseConfig) -> PgPoolOptions {
    PgPoolOptions::new()
        .acquire_timeout(config.acquire_timeout)
        // A health query before every checkout cost about a quarter of throughput here; a
        // broken connection surfaces as a query error instead, and the pool drops it.
        .test_before_acquire(false)
}

/// Whether the schema is in place. Shared by the migration task and `/readyz`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Readiness {
    migrated: Arc<AtomicBool>,
}

impl Readiness {
    pub(crate) fn is_migrated(&self) -> bool {
        self.migrated.load(Ordering::Acquire)
    }

    fn mark_migrated(&self) {
        self.migrated.store(true, Ordering::Release);
    }
}

/// Why the schema is not ready.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database cannot be reached (yet): worth trying again.
    #[error("the database is unreachable: {0}")]
    Unreachable(#[source] MigrateError),
    /// The database answered and refused: a bad migration, a checksum mismatch, bad
    /// credentials. Trying again will not help.
    #[error("migrations failed: {0}")]
    Failed(#[source] MigrateError),
    /// Migrations are left to `populatte migrate` and it has not applied this one yet.
    #[error(
        "the database schema is behind this build: migration {version} ({description}) is not \
         applied; run `populatte migrate` (it connects with DATABASE_DIRECT_URL), or set \
         DATABASE_MIGRATE_ON_START=true"
    )]
    Behind { version: i64, description: String },
}

/// What start-up does to the schema (`DATABASE_MIGRATE_ON_START`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaStep {
    /// Apply pending migrations through the direct pool.
    Migrate,
    /// Apply nothing (the role may lack DDL rights); refuse a schema behind this build.
    Check,
}

/// Brings the schema in line (or checks it is), then marks it ready.
pub(crate) async fn prepare_schema(
    db: &Db,
    step: SchemaStep,
    readiness: &Readiness,
) -> Result<(), MigrationError> {
    match step {
        SchemaStep::Migrate => migrate(db.direct()).await?,
        SchemaStep::Check => check_schema(db.pool()).await?,
    }
    readiness.mark_migrated();
    Ok(())
}

/// Applies pending migrations. `pool` must give sessions of their own: the migrator holds
/// a session-level advisory lock from the first migration to the last.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrationError> {
    MIGRATOR.run(pool).await.map_err(classify)
}

/// Checks that every migration this build knows is applied, unchanged and complete. Reads
/// only, in statements without parameters: any role, any pooler.
pub(crate) async fn check_schema(pool: &PgPool) -> Result<(), MigrationError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| classify(MigrateError::Execute(e)))?;
    let applied = match conn.list_applied_migrations().await {
        Ok(applied) => applied,
        // No migrations table: nothing was ever applied.
        Err(MigrateError::Execute(sqlx::Error::Database(db)))
            if db.code().as_deref() == Some("42P01") =>
        {
            Vec::new()
        }
        Err(err) => return Err(classify(err)),
    };
    if let Some(version) = conn.dirty_version().await.map_err(classify)? {
        return Err(MigrationError::Failed(MigrateError::Dirty(version)));
    }
    for migration in MIGRATOR.iter() {
        if migration.migration_type.is_down_migration() {
            continue;
        }
        match applied.iter().find(|a| a.version == migration.version) {
            None => {
                return Err(MigrationError::Behind {
                    version: migration.version,
                    description: migration.description.to_string(),
                });
            }
            Some(applied) if applied.checksum != migration.checksum => {
                return Err(MigrationError::Failed(MigrateError::VersionMismatch(
                    migration.version,
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `populatte migrate`: connects (with the direct URL when one is set), applies what is
/// pending and says where the schema stands.
pub async fn migrate_command(config: &DatabaseConfig) -> Result<String, MigrationError> {
    let options: &PgConnectOptions = config
        .direct_options
        .as_ref()
        .unwrap_or(&config.connect_options);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(config.acquire_timeout)
        .connect_lazy_with(options.clone());
    let before = {
        let mut conn = pool
            .acquire()
            .await
            .map_err(|e| classify(MigrateError::Execute(e)))?;
        conn.list_applied_migrations().await.unwrap_or_default()
    };
    let result = migrate(&pool).await;
    pool.close().await;
    result?;
    let newly: Vec<String> = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .filter(|m| !before.iter().any(|a| a.version == m.version))
        .map(|m| format!("{} ({})", m.version, m.description))
        .collect();
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or_default();
    Ok(if newly.is_empty() {
        format!("the schema is up to date (migration {latest})")
    } else {
        format!(
            "applied {} migration(s): {}; the schema is at migration {latest}",
            newly.len(),
            newly.join(", ")
        )
    })
}

fn classify(err: MigrateError) -> MigrationError {
    if is_unreachable(&err) {
        MigrationError::Unreachable(err)
    } else {
        MigrationError::Failed(err)
    }
}

/// Retries the schema step until it succeeds or fails for good; returns the fatal error, if
/// any.
pub(crate) async fn prepare_schema_in_background(
    db: Db,
    step: SchemaStep,
    readiness: Readiness,
) -> Option<MigrationError> {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    loop {
        let delay = backoff.next_delay();
        tokio::time::sleep(delay).await;
        match prepare_schema(&db, step, &readiness).await {
            Ok(()) => {
                tracing::info!("database reachable again; schema ready");
                return None;
            }
            Err(MigrationError::Unreachable(err)) => {
                tracing::warn!(error = %err, retry_in = ?delay, "database still unreachable");
            }
            Err(fatal) => return Some(fatal),
        }
    }
}

fn is_unreachable(err: &MigrateError) -> bool {
    match err {
        MigrateError::Execute(err) => is_connection_error(err),
        _ => false,
    }
}

/// Errors that mean "could not talk to the database", as opposed to "it said no".
pub fn is_connection_error(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08 is "connection exception"; 57P01 to 57P03 are the server shutting down
        // (a restart: "terminating connection due to administrator command"), crashing, or
        // still starting up. Each is an outage to retry, not a failed query.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// A failed query as the core's ports report it: "unreachable" (503, retry) or "failed" (500).
pub(crate) fn repository_error(err: sqlx::Error) -> RepositoryError {
    if is_connection_error(&err) {
        RepositoryError::Unavailable(err.to_string())
    } else {
        RepositoryError::Failed(err.to_string())
    }
}

/// One round trip, bounded in time: is the database answering now?
pub(crate) async fn ping(db: &Db, limit: Duration) -> bool {
    matches!(
        tokio::time::timeout(limit, sqlx::query("SELECT 1").execute(db)).await,
        Ok(Ok(_))
    )
}
