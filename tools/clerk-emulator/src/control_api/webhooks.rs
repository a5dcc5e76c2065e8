//! `/_emulator/webhooks/deliveries`: the webhook delivery log.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::Emulator;

pub(super) async fn deliveries(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({
        "webhook_url": emulator.webhook_url().map(String::from),
        "deliveries": emulator.webhook_deliveries(),
    }))
}
