//! A stand-in for Clerk's Backend API in the auth tests: `GET /v1/jwks` and
//! `GET /v1/users/{id}`, with request counters and switches for failure.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, AtomicUsize, Ordering},
    },
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

pub(crate) const SECRET_KEY: &str = "sk_test_populatte_tests";

#[derive(Default)]
pub(crate) struct MockState {
    pub jwks: Mutex<Vec<Value>>,
    pub users: Mutex<HashMap<String, Value>>,
    pub jwks_calls: AtomicUsize,
    pub user_calls: AtomicUsize,
    /// Non-zero: every call answers this status.
    pub fail_with: AtomicU16,
    /// JWKS answers wait while a test holds this for writing.
    pub gate: tokio::sync::RwLock<()>,
}

#[derive(Clone)]
pub(crate) struct MockClerk {
    pub url: String,
    pub state: Arc<MockState>,
}

impl MockClerk {
    pub(crate) async fn start(jwks: Vec<Value>) -> Self {
        let state = Arc::new(MockState::default());
        *state.jwks.lock().unwrap() = jwks;
        let app = Router::new()
            .route("/v1/jwks", get(jwks_handler))
            .route("/v1/users/{id}", get(user_handler))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    pub(crate) fn set_jwks(&self, keys: Vec<Value>) {
        *self.state.jwks.lock().unwrap() = keys;
    }

    pub(crate) fn add_user(&self, id: &str, email: &str, first: &str, last: &str) {
        self.state.users.lock().unwrap().insert(
            id.to_owned(),
            json!({
                "id": id, "object": "user",
                "email_addresses": [
                    {"id": "idn_other", "email_address": format!("other-{email}")},
                    {"id": "idn_primary", "email_address": email}
                ],
                "primary_email_address_id": "idn_primary",
                "first_name": first, "last_name": last,
                "image_url": "https://img.example.com/api.png",
                "created_at": 1_764_000_000_000_i64, "updated_at": 1_764_000_000_000_i64,
            }),
        );
    }

    pub(crate) fn fail_with(&self, status: u16) {
        self.state.fail_with.store(status, Ordering::SeqCst);
    }

    pub(crate) fn jwks_calls(&self) -> usize {
        self.state.jwks_calls.load(Ordering::SeqCst)
    }

    pub(crate) fn user_calls(&self) -> usize {
        self.state.user_calls.load(Ordering::SeqCst)
    }
}

fn refused(state: &MockState, headers: &HeaderMap) -> Option<Response> {
    let status = state.fail_with.load(Ordering::SeqCst);
    if status != 0 {
        return Some(StatusCode::from_u16(status).unwrap().into_response());
    }
    let expected = format!("Bearer {SECRET_KEY}");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"errors": [{"code": "authentication_invalid"}]})),
            )
                .into_response(),
        );
    }
    None
}

async fn jwks_handler(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    state.jwks_calls.fetch_add(1, Ordering::SeqCst);
    drop(state.gate.read().await);
    if let Some(response) = refused(&state, &headers) {
        return response;
    }
    Json(json!({"keys": *state.jwks.lock().unwrap()})).into_response()
}

async fn user_handler(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.user_calls.fetch_add(1, Ordering::SeqCst);
    if let Some(response) = refused(&state, &headers) {
        return response;
    }
    match state.users.lock().unwrap().get(&id) {
        Some(user) => Json(user.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"errors": [{"code": "resource_not_found"}]})),
        )
            .into_response(),
    }
}
