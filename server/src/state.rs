//! What every handler can reach.

use app::ClerkScript;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::{auth::AuthLayerState, db::Readiness, webhooks::handler::WebhookVerifier};

#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub pool: PgPool,
    pub readiness: Readiness,
    pub auth: AuthLayerState,
    /// From `CLERK_WEBHOOK_SIGNING_SECRET`; without it webhooks answer 503 (and Svix retries).
    pub webhooks: Option<WebhookVerifier>,
    pub clerk_script: ClerkScript,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
