//! `/_emulator/settings` and `/templates`: what can change while the emulator runs, and the
//! JWT templates.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ApiResult, checked_lifetime};
use crate::Emulator;
use crate::core::store::Template;
use crate::error::ClerkApiError;
use crate::http::JsonBody;

pub(super) async fn get_settings(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!(emulator.settings()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PatchSettings {
    clock_offset_secs: Option<i64>,
    token_lifetime_secs: Option<u64>,
    omit_custom_claims: Option<bool>,
    failing_handshakes: Option<u32>,
}

pub(super) async fn patch_settings(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<PatchSettings>,
) -> ApiResult {
    if let Some(secs) = body.token_lifetime_secs {
        checked_lifetime(secs)?;
    }
    if body
        .clock_offset_secs
        .is_some_and(|s| s.unsigned_abs() > 10 * 365 * 86_400)
    {
        return Err(ClerkApiError::unprocessable(
            "clock_offset_secs must be within ten years",
        ));
    }
    let settings = emulator.update_settings(|settings| {
        if let Some(offset) = body.clock_offset_secs {
            settings.clock_offset_secs = offset;
        }
        if let Some(lifetime) = body.token_lifetime_secs {
            settings.token_lifetime_secs = lifetime;
        }
        if let Some(omit) = body.omit_custom_claims {
            settings.omit_custom_claims = omit;
        }
        if let Some(count) = body.failing_handshakes {
            settings.failing_handshakes = count;
        }
    });
    Ok(Json(json!(settings)))
}

pub(super) async fn list_templates(State(emulator): State<Emulator>) -> Json<Value> {
    Json(emulator.read_state(|data| json!({ "templates": data.templates })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PutTemplate {
    #[serde(default)]
    claims: Map<String, Value>,
    lifetime_secs: Option<u64>,
}

pub(super) async fn put_template(
    State(emulator): State<Emulator>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<PutTemplate>,
) -> ApiResult {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ClerkApiError::unprocessable(
            "template names are 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    if let Some(secs) = body.lifetime_secs {
        checked_lifetime(secs)?;
    }
    let template = Template {
        claims: body.claims,
        lifetime_secs: body.lifetime_secs,
    };
    let shown =
        json!({ "name": name, "claims": template.claims, "lifetime_secs": template.lifetime_secs });
    emulator
        .mutate::<_, ClerkApiError>(|data, _| {
            data.templates.insert(name, template);
            Ok(((), Vec::new()))
        })
        .await?;
    Ok(Json(shown))
}

pub(super) async fn delete_template(
    State(emulator): State<Emulator>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let removed = emulator
        .mutate::<_, ClerkApiError>(|data, _| {
            Ok((data.templates.remove(&name).is_some(), Vec::new()))
        })
        .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ClerkApiError::not_found(format!("template {name}")))
    }
}
