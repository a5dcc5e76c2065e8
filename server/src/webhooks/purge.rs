//! `webhook_deliveries` only has to remember a `svix-id` for as long as Svix may deliver it
//! again. Its retries end about 27.5 hours after the first attempt (5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h, 10 h); three days leaves room for a manual replay. Older rows are deleted on a
//! timer, so the table stays bounded by three days of traffic.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::db::Db;
/// The purge itself, a query of `webhook_deliveries`' own module.
pub use crate::db::deliveries::purge_deliveries;

/// How long a delivery's id is kept.
pub const RETENTION: Duration = Duration::from_secs(3 * 24 * 3600);

/// How often the purge runs.
pub(crate) const EVERY: Duration = Duration::from_secs(3600);

/// Purges once a minute after start-up, then every [`EVERY`]. A failure (the database is
/// down) is logged and tried again at the next tick.
pub(crate) fn spawn_purge(db: Db) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut ticker = tokio::time::interval(EVERY);
        loop {
            ticker.tick().await;
            match purge_deliveries(&db, RETENTION).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "old webhook deliveries purged"),
                Err(error) => tracing::warn!(%error, "cannot purge old webhook deliveries"),
            }
        }
    })
}
