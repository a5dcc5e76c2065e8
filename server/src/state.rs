//! What every handler can reach.

use std::sync::Arc;

use app::ClerkScript;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use populatte::ProjectRepository;

use crate::{
    auth::AuthLayerState,
    db::{Db, Readiness},
    webhooks::handler::{WebhookState, WebhookVerifier},
};

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) leptos: LeptosOptions,
    pub(crate) db: Db,
    pub(crate) readiness: Readiness,
    pub(crate) auth: AuthLayerState,
    /// From `CLERK_WEBHOOK_SIGNING_SECRET`; without it webhooks answer 503 (and Svix retries).
    pub(crate) webhooks: Option<WebhookVerifier>,
    pub(crate) clerk_script: ClerkScript,
    /// The projects store, shared by the REST routes and (as `app::projects::ProjectsService`
    /// in the Leptos context) the server functions.
    pub(crate) projects: Arc<dyn ProjectRepository>,
}

impl FromRef<AppState> for WebhookState {
    fn from_ref(state: &AppState) -> Self {
        WebhookState {
            verifier: state.webhooks.clone(),
            db: state.db.clone(),
            authenticator: state.auth.authenticator.clone(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
