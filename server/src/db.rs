//! The PostgreSQL pool, start-up migrations and readiness.

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
    migrate::{MigrateError, Migrator},
    postgres::PgPoolOptions,
};

use crate::{config::DatabaseConfig, retry::Backoff};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Builds the pool without connecting: the process starts (and `/healthz` answers) even while
/// the database is down; `/readyz` tells the difference.
pub(crate) fn pool(config: &DatabaseConfig) -> PgPool {
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout)
        // A health query before every checkout cost about a quarter of throughput here; a
        // broken connection surfaces as a query error instead, and the pool drops it.
        .test_before_acquire(false)
        .connect_lazy_with(config.connect_options.clone())
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

/// Why migrations could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database cannot be reached (yet): worth trying again.
    #[error("the database is unreachable: {0}")]
    Unreachable(#[source] MigrateError),
    /// The database answered and refused: a bad migration, a checksum mismatch, bad
    /// credentials. Trying again will not help.
    #[error("migrations failed: {0}")]
    Failed(#[source] MigrateError),
}

pub(crate) async fn migrate(pool: &PgPool, readiness: &Readiness) -> Result<(), MigrationError> {
    match MIGRATOR.run(pool).await {
        Ok(()) => {
            readiness.mark_migrated();
            Ok(())
        }
        Err(err) if is_unreachable(&err) => Err(MigrationError::Unreachable(err)),
        Err(err) => Err(MigrationError::Failed(err)),
    }
}

/// Retries migrations until they succeed or fail for good; returns the fatal error, if any.
pub(crate) async fn migrate_in_background(
    pool: PgPool,
    readiness: Readiness,
) -> Option<MigrationError> {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    loop {
        let delay = backoff.next_delay();
        tokio::time::sleep(delay).await;
        match migrate(&pool, &readiness).await {
            Ok(()) => {
                tracing::info!("database reachable again; migrations applied");
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
pub(crate) async fn ping(pool: &PgPool, limit: Duration) -> bool {
    matches!(
        tokio::time::timeout(limit, sqlx::query("SELECT 1").execute(pool)).await,
        Ok(Ok(_))
    )
}
