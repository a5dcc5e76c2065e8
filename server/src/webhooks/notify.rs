//! Cache invalidation across instances: a webhook that changes a user sends `pg_notify` in the
//! same transaction, and every instance (this one included) listens and drops its cached copy.
//! While the listener is disconnected, notifications can be missed: the cache is switched off
//! until it is back, and cleared then.

use std::{sync::Arc, time::Duration};

use populatte::ClerkId;
use sqlx::{PgPool, postgres::PgListener};
use tokio::task::JoinHandle;

use crate::auth::Authenticator;

/// The channel; the payload is the Clerk user id.
pub const CHANNEL: &str = "populatte_user_changed";

pub fn spawn_listener(pool: PgPool, authenticator: Arc<Authenticator>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let cache = authenticator.cache();
        let mut delay = Duration::from_millis(250);
        loop {
            match listen(&pool).await {
                Ok(mut listener) => {
                    delay = Duration::from_millis(250);
                    cache.clear();
                    cache.set_enabled(true);
                    tracing::debug!(channel = CHANNEL, "listening for user changes");
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => {
                                forget(notification.payload(), &authenticator);
                            }
                            // The connection dropped and was re-established: whatever was
                            // sent in between is lost, so nothing cached can be trusted.
                            Ok(None) => {
                                tracing::warn!("user-change listener reconnected; cache cleared");
                                cache.clear();
                            }
                            Err(error) => {
                                tracing::warn!(%error, "user-change listener lost; cache off");
                                break;
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?delay, "cannot listen for user changes");
                }
            }
            cache.set_enabled(false);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    })
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

fn forget(payload: &str, authenticator: &Authenticator) {
    match ClerkId::parse(payload) {
        Ok(clerk_id) => authenticator.forget(&clerk_id),
        Err(_) => tracing::warn!(payload, "ignored a malformed user-change notification"),
    }
}
