//! `/_emulator/users`: the users, created, changed and deleted as the Backend API would.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiResult;
use crate::Emulator;
use crate::core::store::{NewUser, UserPatch};
use crate::error::ClerkApiError;
use crate::http::{JsonBody, present};

pub(super) async fn list_users(State(emulator): State<Emulator>) -> Json<Value> {
    let base = emulator.image_base().to_owned();
    Json(emulator.read_state(|data| {
        json!({
            "users": data.users.iter().map(|u| u.clerk_json(&base)).collect::<Vec<_>>(),
            "deleted_user_ids": data.deleted_user_ids,
        })
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateUser {
    id: Option<String>,
    #[serde(alias = "email")]
    email_address: String,
    first_name: Option<String>,
    last_name: Option<String>,
    image_url: Option<String>,
    password: Option<String>,
}

pub(super) async fn create_user(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<Response> {
    let base = emulator.image_base().to_owned();
    let new = NewUser {
        id: body.id,
        email_address: body.email_address,
        first_name: body.first_name,
        last_name: body.last_name,
        image_url: body.image_url,
        password: body.password,
        skip_password_checks: false,
    };
    let user = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.create_user(new, now)?;
            Ok((event.user_json(&base), vec![event]))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

pub(super) async fn get_user(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> ApiResult {
    let base = emulator.image_base().to_owned();
    emulator
        .read_state(|data| data.user(&id).map(|u| u.clerk_json(&base)))
        .map(Json)
        .map_err(ClerkApiError::from)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PatchUser {
    #[serde(alias = "email")]
    email_address: Option<String>,
    #[serde(default, deserialize_with = "present")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    image_url: Option<Option<String>>,
}

pub(super) async fn update_user(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchUser>,
) -> ApiResult {
    let base = emulator.image_base().to_owned();
    let patch = UserPatch {
        email_address: body.email_address,
        first_name: body.first_name,
        last_name: body.last_name,
        image_url: body.image_url,
        ..UserPatch::default()
    };
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.update_user(&id, patch, now)?;
            Ok((event.user_json(&base), vec![event]))
        })
        .await
        .map(Json)
}

pub(super) async fn delete_user(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> ApiResult {
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.delete_user(&id, now)?;
            Ok((event.user_json(""), vec![event]))
        })
        .await
        .map(Json)
}
