//! `POST /api/webhooks/clerk`.
//!
//! Answers: 401 for a bad, missing, stale or future signature; 400 for a body that is not a
//! Clerk event; 2xx for an applied, duplicate, stale or ignored event; 5xx when the database
//! fails, so Svix retries and nothing is lost.

use std::sync::Arc;

use app::api::ApiError;
use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use populatte::{
    ChangeSource, ClerkId, DeleteUser, ProfileFields, RepositoryError, SyncError, SyncOutcome,
    SyncUser, UserChange,
};
use serde::Serialize;

use super::{
    event::{UserEvent, parse},
    notify::CHANNEL,
    signature::{SignatureVerifier, delivery_id},
};
use crate::{
    auth::Authenticator,
    db::{Db, deliveries, repository_error, users::PgUsersInTx},
};

/// The Svix verifier, built once from `CLERK_WEBHOOK_SIGNING_SECRET`.
pub(crate) type WebhookVerifier = Arc<SignatureVerifier>;

/// What the webhook handler takes from the application's state (`FromRef`, in `state.rs`).
#[derive(Clone)]
pub(crate) struct WebhookState {
    /// From `CLERK_WEBHOOK_SIGNING_SECRET`; without it webhooks answer 503 (and Svix retries).
    pub(crate) verifier: Option<WebhookVerifier>,
    pub(crate) db: Db,
    /// Drops an applied change's cached user on this instance at once.
    pub(crate) authenticator: Arc<Authenticator>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// The change was written.
    Applied,
    /// The stored user already says this.
    Unchanged,
    /// Older than what is stored: ignored.
    Stale,
    /// The user was deleted; nothing brings them back.
    UserDeleted,
    /// This delivery (`svix-id`) was processed before.
    Duplicate,
    /// An event type Populatte does not act on.
    Ignored,
}

#[derive(Debug, Serialize)]
struct Acknowledgement {
    status: Outcome,
}

pub(crate) async fn clerk_webhook(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(verifier) = &state.verifier else {
        tracing::error!(
            "a Clerk webhook arrived but CLERK_WEBHOOK_SIGNING_SECRET is not set; answering 503 \
             so that Svix retries once it is configured"
        );
        return ApiError::unavailable("Webhooks are not configured on this server.")
            .into_response();
    };
    if let Err(error) = verifier.verify(&body, &headers) {
        tracing::warn!(%error, "webhook refused: signature check failed");
        return ApiError::Unauthorized {
            reason: Some("webhook-signature-invalid".into()),
            message: "The webhook signature is missing, invalid or outside the time tolerance."
                .into(),
        }
        .into_response();
    }
    let svix_id = delivery_id(&headers)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let event = match parse(&body) {
        Ok(event) => event,
        Err(message) => {
            tracing::warn!(%svix_id, %message, "webhook refused: malformed payload");
            return ApiError::bad_request(message).into_response();
        }
    };
    match apply(&state, &svix_id, &event).await {
        Ok(status) => {
            tracing::info!(%svix_id, event_kind = kind(&event), ?status, "webhook processed");
            if matches!(status, Outcome::Applied)
                && let Some(clerk_id) = event.clerk_id()
            {
                // The NOTIFY reaches this instance too; dropping the entry now closes the gap.
                state.authenticator.forget(clerk_id);
            }
            Json(Acknowledgement { status }).into_response()
        }
        Err(error) => {
            tracing::warn!(%svix_id, "webhook failed; Svix will retry");
            ApiError::from(error).into_response()
        }
    }
}

fn kind(event: &UserEvent) -> &str {
    match event {
        UserEvent::Upsert { .. } => "user.upsert",
        UserEvent::Delete { .. } => "user.deleted",
        UserEvent::Other(other) => other,
    }
}

/// Records the delivery and applies its change in one transaction: either both happen or
/// neither does, so a retry after a failure is processed in full.
async fn apply(
    state: &WebhookState,
    svix_id: &str,
    event: &UserEvent,
) -> Result<Outcome, RepositoryError> {
    let mut tx = state.db.begin().await.map_err(repository_error)?;
    let first_delivery = deliveries::record(
        &mut tx,
        svix_id,
        kind(event),
        event.clerk_id().map(ClerkId::as_str),
    )
    .await
    .map_err(repository_error)?;
    if !first_delivery {
        tx.commit().await.map_err(repository_error)?;
        return Ok(Outcome::Duplicate);
    }
    let outcome = {
        let users = PgUsersInTx::new(&mut tx);
        match event {
            UserEvent::Upsert { user, as_of } => {
                let change = UserChange {
                    clerk_id: user.id.clone(),
                    profile: user.profile(),
                    fields: ProfileFields::ALL,
                    as_of: *as_of,
                    source: ChangeSource::Webhook,
                };
                match SyncUser::new(&users).execute(&change).await {
                    Ok(synced) => match synced.outcome {
                        SyncOutcome::Created | SyncOutcome::Updated => Outcome::Applied,
                        SyncOutcome::Unchanged => Outcome::Unchanged,
                        SyncOutcome::Stale => Outcome::Stale,
                    },
                    Err(SyncError::UserDeleted) => Outcome::UserDeleted,
                    Err(SyncError::Repository(error)) => return Err(error),
                }
            }
            UserEvent::Delete { clerk_id, at } => {
                if DeleteUser::new(&users).execute(clerk_id, *at).await? {
                    Outcome::Applied
                } else {
                    Outcome::Unchanged
                }
            }
            UserEvent::Other(_) => Outcome::Ignored,
        }
    };
    if outcome == Outcome::Applied
        && let Some(clerk_id) = event.clerk_id()
    {
        // Delivered to every listening instance when (and only if) this transaction commits.
        sqlx::query!("select pg_notify($1, $2)", CHANNEL, clerk_id.as_str())
            .execute(&mut tx)
            .await
            .map_err(repository_error)?;
    }
    tx.commit().await.map_err(repository_error)?;
    Ok(outcome)
}
