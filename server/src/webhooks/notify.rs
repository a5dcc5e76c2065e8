//! Cache invalidation across instances: a webhook that changes a user sends `pg_notify` in the
//! same transaction, and every instance (this one included) listens and drops its cached copy.
//! LISTEN needs a session of its own, so it connects with the direct pool: a transaction-mode
//! pooler accepts LISTEN and never delivers a notification. `pg_notify` is an ordinary
//! statement and goes through the query pool.
//! While the listener is disconnected, notifications can be missed: the cache is switched off
//! until it is back, and cleared then.

use std::{sync::Arc, time::Duration};

use populatte::ClerkId;
use sqlx::postgres::PgListener;
use tokio::task::JoinHandle;

use crate::{auth::Authenticator, db::Db, retry::Backoff};

/// The channel; the payload is the Clerk user id.
pub(crate) const CHANNEL: &str = "populatte_user_changed";

/// How often the listener proves it still hears: it notifies itself and expects the echo
/// within the same period. A half-open connection never errors, so without this the cache
/// would stay on while every invalidation is lost.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(5);

/// Heartbeat payloads start with this; a Clerk id never does.
const HEARTBEAT_PREFIX: &str = "~heartbeat:";

pub(crate) fn spawn_listener(db: Db, authenticator: Arc<Authenticator>) -> JoinHandle<()> {
    spawn_listener_with(db, authenticator, HEARTBEAT)
}

/// The listener with its heartbeat period. The cache is off until the first `LISTEN`
/// succeeds, and off again whenever the connection fails or an echo is late.
pub fn spawn_listener_with(
    db: impl Into<Db>,
    authenticator: Arc<Authenticator>,
    heartbeat: Duration,
) -> JoinHandle<()> {
    let db = db.into();
    tokio::spawn(async move {
        let cache = authenticator.cache();
        cache.set_enabled(false);
        let me = uuid::Uuid::new_v4().simple().to_string();
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
        loop {
            let delay = match listen(&db).await {
                Ok(listener) => {
                    backoff.reset();
                    cache.clear();
                    cache.set_enabled(true);
                    tracing::debug!(channel = CHANNEL, "listening for user changes");
                    let lost = serve(listener, &db, &authenticator, &me, heartbeat).await;
                    tracing::warn!(reason = lost, "user-change listener lost; cache off");
                    backoff.next_delay()
                }
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(%error, retry_in = ?delay, "cannot listen for user changes");
                    delay
                }
            };
            cache.set_enabled(false);
            tokio::time::sleep(delay).await;
        }
    })
}

/// Applies notifications until the connection fails or a heartbeat goes unanswered; returns
/// why it stopped.
async fn serve(
    mut listener: PgListener,
    db: &Db,
    authenticator: &Authenticator,
    me: &str,
    heartbeat: Duration,
) -> &'static str {
    // The listener reads in its own task, so that waiting on it can be given up safely.
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let reader = tokio::spawn(async move {
        loop {
            let received = listener.try_recv().await;
            let failed = received.is_err();
            if tx.send(received).await.is_err() || failed {
                break;
            }
        }
    });
    let mut ticker = tokio::time::interval(heartbeat);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sequence: u64 = 0;
    // The heartbeat sent and not yet heard back.
    let mut awaiting: Option<String> = None;
    let reason = loop {
        tokio::select! {
            _ = ticker.tick() => {
                if awaiting.is_some() {
                    break "a heartbeat went unanswered";
                }
                sequence += 1;
                let payload = format!("{HEARTBEAT_PREFIX}{me}:{sequence}");
                let sent = tokio::time::timeout(heartbeat, sqlx::query!(
                    "select pg_notify($1, $2)", CHANNEL, payload
                ).execute(db)).await;
                if !matches!(sent, Ok(Ok(_))) {
                    break "a heartbeat could not be sent";
                }
                awaiting = Some(payload);
            }
            received = rx.recv() => match received {
                Some(Ok(Some(notification))) => {
                    let payload = notification.payload();
                    if payload.starts_with(HEARTBEAT_PREFIX) {
                        if awaiting.as_deref() == Some(payload) {
                            awaiting = None;
                        }
                    } else {
                        forget(payload, authenticator);
                    }
                }
                // The connection dropped and was re-established: whatever was sent in
                // between is lost, so nothing cached can be trusted.
                Some(Ok(None)) => {
                    tracing::warn!("user-change listener reconnected; cache cleared");
                    authenticator.cache().clear();
                }
                Some(Err(_)) | None => break "the connection failed",
            }
        }
    };
    reader.abort();
    reason
}

async fn listen(db: &Db) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(db.direct()).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

fn forget(payload: &str, authenticator: &Authenticator) {
    match ClerkId::parse(payload) {
        Ok(clerk_id) => authenticator.forget(&clerk_id),
        Err(_) => tracing::warn!(payload, "ignored a malformed user-change notification"),
    }
}
