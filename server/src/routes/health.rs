//! Liveness and readiness probes.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Serialize;

use crate::{db, state::AppState};

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
}

/// The process is up and serving. Never touches the database.
pub(crate) async fn healthz() -> impl IntoResponse {
    Json(Health { status: "ok" })
}

#[derive(Debug, Serialize)]
struct Readiness {
    status: &'static str,
    database: &'static str,
    migrations: &'static str,
}

/// Ready to serve real traffic: migrations applied and the database answering now.
pub(crate) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    const PING_LIMIT: Duration = Duration::from_secs(2);
    let migrated = state.readiness.is_migrated();
    let reachable = db::ping(&state.db, PING_LIMIT).await;
    let body = Readiness {
        status: if migrated && reachable {
            "ready"
        } else {
            "unavailable"
        },
        database: if reachable { "ok" } else { "unreachable" },
        migrations: if migrated { "applied" } else { "pending" },
    };
    let status = if migrated && reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
