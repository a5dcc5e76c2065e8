//! What every handler can reach.

use std::sync::Arc;

use app::ClerkScript;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use populatte::ProjectRepository;
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
    /// The projects store, shared by the REST routes and (as `app::projects::ProjectsService`
    /// in the Leptos context) the server functions.
    pub projects: Arc<dyn ProjectRepository>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
