//! `/_emulator/backend-api/failure`, `/backend-api/calls` and `/frontend-api/token-failure`:
//! the fault switches and the Backend API call counters.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ApiResult;
use crate::Emulator;
use crate::core::faults::{Failure, TokenFault};
use crate::http::JsonBody;

pub(super) async fn get_failure(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({ "failure": emulator.failure() }))
}

pub(super) async fn put_failure(
    State(emulator): State<Emulator>,
    JsonBody(failure): JsonBody<Failure>,
) -> ApiResult {
    failure.validate()?;
    emulator.set_failure(Some(failure.clone()));
    Ok(Json(json!({ "failure": failure })))
}

pub(super) async fn clear_failure(State(emulator): State<Emulator>) -> StatusCode {
    emulator.set_failure(None);
    StatusCode::NO_CONTENT
}

pub(super) async fn get_calls(State(emulator): State<Emulator>) -> Json<Value> {
    let calls = emulator.calls();
    let total: u64 = calls.values().sum();
    Json(json!({ "calls": calls, "total": total }))
}

pub(super) async fn reset_calls(State(emulator): State<Emulator>) -> StatusCode {
    emulator.reset_calls();
    StatusCode::NO_CONTENT
}

pub(super) async fn get_token_fault(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({ "failure": emulator.token_fault() }))
}

pub(super) async fn put_token_fault(
    State(emulator): State<Emulator>,
    JsonBody(fault): JsonBody<TokenFault>,
) -> ApiResult {
    fault.validate()?;
    emulator.set_token_fault(Some(fault.clone()));
    Ok(Json(json!({ "failure": fault })))
}

pub(super) async fn clear_token_fault(State(emulator): State<Emulator>) -> StatusCode {
    emulator.set_token_fault(None);
    StatusCode::NO_CONTENT
}
