//! The emulator-only JSON control API under `/_emulator/`, for tests and tools, one module
//! per resource: users (`users`), tokens, sessions and clients (`sessions`), runtime settings
//! and JWT templates (`settings`), the Backend API failure switch and counters and the
//! Frontend API token fault (`faults`), key rotation (`keys`), and the webhook delivery log
//! (`webhooks`). Each calls the core's methods.

mod faults;
mod keys;
mod sessions;
mod settings;
mod users;
mod webhooks;

use std::time::Duration;

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::Emulator;
use crate::core::{INSTANCE_ID, LIFETIME_RANGE};
use crate::error::ClerkApiError;

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/", get(info))
        .route("/users", get(users::list_users).post(users::create_user))
        .route(
            "/users/{id}",
            get(users::get_user)
                .patch(users::update_user)
                .delete(users::delete_user),
        )
        .route("/tokens", post(sessions::mint))
        .route("/sessions", get(sessions::list_sessions))
        .route("/sessions/{id}/end", post(sessions::end_session))
        .route("/sessions/{id}/revoke", post(sessions::revoke_session))
        .route(
            "/sessions/{id}/expired-token",
            post(sessions::expired_token),
        )
        .route("/sessions/{id}/expire", post(sessions::expire_session))
        .route("/clients", get(sessions::list_clients))
        .route("/clients/{id}/expire", post(sessions::expire_client))
        .route(
            "/frontend-api/token-failure",
            get(faults::get_token_fault)
                .put(faults::put_token_fault)
                .delete(faults::clear_token_fault),
        )
        .route(
            "/settings",
            get(settings::get_settings).patch(settings::patch_settings),
        )
        .route("/templates", get(settings::list_templates))
        .route(
            "/templates/{name}",
            put(settings::put_template).delete(settings::delete_template),
        )
        .route(
            "/backend-api/failure",
            get(faults::get_failure)
                .put(faults::put_failure)
                .delete(faults::clear_failure),
        )
        .route(
            "/backend-api/calls",
            get(faults::get_calls).delete(faults::reset_calls),
        )
        .route("/keys", get(keys::list_keys))
        .route("/keys/rotate", post(keys::rotate_key))
        .route("/webhooks/deliveries", get(webhooks::deliveries))
}

type ApiResult<T = Json<Value>> = Result<T, ClerkApiError>;

async fn info(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({
        "issuer": emulator.issuer(),
        "publishable_key": emulator.publishable_key(),
        "secret_key": emulator.secret_key(),
        "api_url": emulator.api_url().as_str(),
        "jwks_url": emulator.jwks_url().as_str(),
        "script_url": emulator.script_url().as_str(),
        "proxy_url": emulator.proxy_url().as_str(),
        "clerk_js_version": emulator.clerk_js_version(),
        "ui_script_url": emulator.ui_script_url().as_str(),
        "clerk_ui_version": emulator.clerk_ui_version(),
        "cookie_suffix": emulator.cookie_suffix(),
        "sign_in_url": emulator.sign_in_url().as_str(),
        "instance_id": INSTANCE_ID,
        "allowed_origins": emulator.allowed_origins(),
        "webhook_url": emulator.webhook_url().map(String::from),
        "settings": emulator.settings(),
    }))
}

fn checked_lifetime(secs: u64) -> Result<Duration, ClerkApiError> {
    if (LIFETIME_RANGE.0..=LIFETIME_RANGE.1).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(ClerkApiError::unprocessable(format!(
            "lifetime_secs must be between {} and {}",
            LIFETIME_RANGE.0, LIFETIME_RANGE.1
        )))
    }
}
