//! The `webhook_deliveries` table: the `svix-id` of every webhook delivery processed, so that
//! a redelivery is recognised and does nothing. Rows are kept only for as long as Svix may
//! deliver again (`crate::webhooks::purge` decides how long and runs the purge).

use std::time::Duration;

use sqlx::PgExecutor;

/// Records a delivery; false when its `svix-id` was recorded before (a redelivery). Run it in
/// the transaction that applies the delivery's change, so that both happen or neither does.
pub(crate) async fn record(
    db: impl PgExecutor<'_>,
    svix_id: &str,
    event_type: &str,
    clerk_user_id: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let first_delivery = sqlx::query!(
        "insert into webhook_deliveries (svix_id, event_type, clerk_user_id)
         values ($1, $2, $3) on conflict (svix_id) do nothing",
        svix_id,
        event_type,
        clerk_user_id,
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1;
    Ok(first_delivery)
}

/// Deletes the deliveries received more than `retention` ago; returns how many.
pub async fn purge_deliveries(
    db: impl PgExecutor<'_>,
    retention: Duration,
) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "delete from webhook_deliveries where received_at < now() - make_interval(secs => $1)",
        retention.as_secs_f64(),
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(deleted)
}
