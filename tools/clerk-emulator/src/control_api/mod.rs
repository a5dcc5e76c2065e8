//! The emulator-only JSON control API under `/_emulator/`, for tests and tools: users,
//! tokens, sessions, runtime settings, JWT templates, the Backend API failure switch and
//! counters, key rotation, and the webhook delivery log.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

use crate::backend_api::Failure;
use crate::emulator::{INSTANCE_ID, LIFETIME_RANGE};
use crate::error::ClerkApiError;
use crate::frontend_api::TokenFault;
use crate::http::{JsonBody, request_origin};
use crate::store::{NewUser, SessionStatus, Template, UserPatch};
use crate::sync::lock;
use crate::tokens::Minted;
use crate::{Emulator, TokenOptions};

/// A rotated-out key stays in the JWKS this long by default: the five minutes verifiers such
/// as Clerk's SDK cache a JWKS.
const DEFAULT_GRACE_SECS: u64 = 300;

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/", get(info))
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/tokens", post(mint))
        .route("/sessions", get(list_sessions))
        .route("/sessions/{id}/end", post(end_session))
        .route("/sessions/{id}/revoke", post(revoke_session))
        .route("/sessions/{id}/expired-token", post(expired_token))
        .route("/sessions/{id}/expire", post(expire_session))
        .route("/clients", get(list_clients))
        .route("/clients/{id}/expire", post(expire_client))
        .route(
            "/frontend-api/token-failure",
            get(get_token_fault)
                .put(put_token_fault)
                .delete(clear_token_fault),
        )
        .route("/settings", get(get_settings).patch(patch_settings))
        .route("/templates", get(list_templates))
        .route(
            "/templates/{name}",
            put(put_template).delete(delete_template),
        )
        .route(
            "/backend-api/failure",
            get(get_failure).put(put_failure).delete(clear_failure),
        )
        .route("/backend-api/calls", get(get_calls).delete(reset_calls))
        .route("/keys", get(list_keys))
        .route("/keys/rotate", post(rotate_key))
        .route("/webhooks/deliveries", get(deliveries))
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
        "webhook_url": emulator.inner.webhooks.target_url().map(|u| u.as_str()),
        "settings": emulator.settings(),
    }))
}

// ---- users ----

async fn list_users(State(emulator): State<Emulator>) -> Json<Value> {
    let base = emulator.base().to_owned();
    Json(emulator.read_state(|data| {
        json!({
            "users": data.users.iter().map(|u| u.clerk_json(&base)).collect::<Vec<_>>(),
            "deleted_user_ids": data.deleted_user_ids,
        })
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    id: Option<String>,
    #[serde(alias = "email")]
    email_address: String,
    first_name: Option<String>,
    last_name: Option<String>,
    image_url: Option<String>,
    password: Option<String>,
}

async fn create_user(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<Response> {
    let base = emulator.base().to_owned();
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

async fn get_user(State(emulator): State<Emulator>, Path(id): Path<String>) -> ApiResult {
    let base = emulator.base().to_owned();
    emulator
        .read_state(|data| data.user(&id).map(|u| u.clerk_json(&base)))
        .map(Json)
        .map_err(ClerkApiError::from)
}

/// Deserialises a present field, `null` included, as `Some(value)`, so that a missing field
/// (`None`) and a `null` that clears it (`Some(None)`) differ.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchUser {
    #[serde(alias = "email")]
    email_address: Option<String>,
    #[serde(default, deserialize_with = "present")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    image_url: Option<Option<String>>,
}

async fn update_user(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchUser>,
) -> ApiResult {
    let base = emulator.base().to_owned();
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

async fn delete_user(State(emulator): State<Emulator>, Path(id): Path<String>) -> ApiResult {
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.delete_user(&id, now)?;
            Ok((event.user_json(""), vec![event]))
        })
        .await
        .map(Json)
}

// ---- tokens and sessions ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintBody {
    user_id: String,
    template: Option<String>,
    #[serde(default)]
    expired: bool,
    lifetime_secs: Option<u64>,
    omit_custom_claims: Option<bool>,
    azp: Option<String>,
    session_id: Option<String>,
}

async fn mint(State(emulator): State<Emulator>, JsonBody(body): JsonBody<MintBody>) -> ApiResult {
    let lifetime = body.lifetime_secs.map(checked_lifetime).transpose()?;
    let options = TokenOptions {
        template: body.template.clone(),
        expired: body.expired,
        lifetime,
        omit_custom_claims: body.omit_custom_claims,
        azp: body.azp,
        session_id: body.session_id,
    };
    let (minted, session_id) = emulator.mint_token(&body.user_id, options).await?;
    Ok(Json(minted_json(
        &minted,
        session_id.as_deref(),
        body.template,
    )))
}

fn minted_json(minted: &Minted, session_id: Option<&str>, template: Option<String>) -> Value {
    json!({
        "jwt": minted.jwt,
        "session_id": session_id,
        "template": template,
        "kid": minted.kid,
        "iat": minted.iat,
        "exp": minted.exp,
    })
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

async fn list_sessions(State(emulator): State<Emulator>) -> Json<Value> {
    Json(emulator.read_state(
        |data| json!({ "sessions": data.sessions.iter().map(|s| s.json()).collect::<Vec<_>>() }),
    ))
}

async fn end_session(State(emulator): State<Emulator>, Path(id): Path<String>) -> ApiResult {
    set_status(&emulator, &id, SessionStatus::Ended).await
}

async fn revoke_session(State(emulator): State<Emulator>, Path(id): Path<String>) -> ApiResult {
    set_status(&emulator, &id, SessionStatus::Revoked).await
}

/// The session reaches its `expire_at` now, as a week-old Clerk session does.
async fn expire_session(State(emulator): State<Emulator>, Path(id): Path<String>) -> ApiResult {
    set_status(&emulator, &id, SessionStatus::Expired).await
}

async fn list_clients(State(emulator): State<Emulator>) -> Json<Value> {
    Json(emulator.read_state(|data| {
        let clients: Vec<Value> = data
            .clients
            .iter()
            .map(|c| {
                json!({
                    "object": "client",
                    "id": c.id,
                    "session_id": c.session_id,
                    "expired": c.expired,
                    "created_at": c.created_at,
                    "updated_at": c.updated_at,
                })
            })
            .collect();
        json!({ "clients": clients })
    }))
}

/// The client's cookie stops naming a client and its session expires: the browser is signed
/// out on its next Frontend API call.
async fn expire_client(State(emulator): State<Emulator>, Path(id): Path<String>) -> ApiResult {
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            data.expire_client(&id, now)?;
            Ok((
                json!({ "object": "client", "id": id, "expired": true }),
                Vec::new(),
            ))
        })
        .await
        .map(Json)
}

async fn set_status(emulator: &Emulator, id: &str, status: SessionStatus) -> ApiResult {
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let session = data.set_session_status(id, status, now)?;
            Ok((session.json(), Vec::new()))
        })
        .await
        .map(Json)
}

/// An already expired token for an active session, with the caller's origin as `azp`: what
/// a browser holds after its laptop slept through the refresh.
async fn expired_token(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let user_id = emulator.read_state(|data| data.session(&id).map(|s| s.user_id.clone()))?;
    let options = TokenOptions {
        expired: true,
        azp: request_origin(&headers),
        session_id: Some(id.clone()),
        ..TokenOptions::default()
    };
    let minted = emulator.mint_checked(&user_id, Some(&id), &options)?;
    Ok(Json(minted_json(&minted, Some(&id), None)))
}

// ---- settings and templates ----

async fn get_settings(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!(emulator.settings()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchSettings {
    clock_offset_secs: Option<i64>,
    token_lifetime_secs: Option<u64>,
    omit_custom_claims: Option<bool>,
    failing_handshakes: Option<u32>,
}

async fn patch_settings(
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

async fn list_templates(State(emulator): State<Emulator>) -> Json<Value> {
    Json(emulator.read_state(|data| json!({ "templates": data.templates })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutTemplate {
    #[serde(default)]
    claims: Map<String, Value>,
    lifetime_secs: Option<u64>,
}

async fn put_template(
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

async fn delete_template(
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

// ---- Backend API switch and counters ----

async fn get_failure(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({ "failure": *lock(&emulator.inner.failure) }))
}

async fn put_failure(
    State(emulator): State<Emulator>,
    JsonBody(failure): JsonBody<Failure>,
) -> ApiResult {
    failure.validate()?;
    *lock(&emulator.inner.failure) = Some(failure.clone());
    Ok(Json(json!({ "failure": failure })))
}

async fn clear_failure(State(emulator): State<Emulator>) -> StatusCode {
    *lock(&emulator.inner.failure) = None;
    StatusCode::NO_CONTENT
}

async fn get_calls(State(emulator): State<Emulator>) -> Json<Value> {
    let calls = lock(&emulator.inner.calls).clone();
    let total: u64 = calls.values().sum();
    Json(json!({ "calls": calls, "total": total }))
}

async fn reset_calls(State(emulator): State<Emulator>) -> StatusCode {
    lock(&emulator.inner.calls).clear();
    StatusCode::NO_CONTENT
}

// ---- Frontend API token fault ----

async fn get_token_fault(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({ "failure": emulator.token_fault() }))
}

async fn put_token_fault(
    State(emulator): State<Emulator>,
    JsonBody(fault): JsonBody<TokenFault>,
) -> ApiResult {
    fault.validate()?;
    emulator.set_token_fault(Some(fault.clone()));
    Ok(Json(json!({ "failure": fault })))
}

async fn clear_token_fault(State(emulator): State<Emulator>) -> StatusCode {
    emulator.set_token_fault(None);
    StatusCode::NO_CONTENT
}

// ---- keys ----

async fn list_keys(State(emulator): State<Emulator>) -> Json<Value> {
    let now = Instant::now();
    let keys: Vec<Value> = emulator
        .inner
        .keys
        .published()
        .iter()
        .map(|(key, until)| {
            json!({
                "kid": key.kid,
                "current": until.is_none(),
                "public_key_pem": key.public_pem,
                "published_for_secs": until.map(|u| u.saturating_duration_since(now).as_secs()),
            })
        })
        .collect();
    Json(json!({ "keys": keys }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateBody {
    grace_secs: Option<u64>,
    private_key_pem: Option<String>,
}

async fn rotate_key(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<RotateBody>,
) -> ApiResult {
    let grace = body.grace_secs.unwrap_or(DEFAULT_GRACE_SECS);
    if grace > 7 * 86_400 {
        return Err(ClerkApiError::unprocessable(
            "grace_secs must be at most a week",
        ));
    }
    let rotation = emulator
        .rotate_key(body.private_key_pem, Duration::from_secs(grace))
        .await?;
    Ok(Json(json!({
        "kid": rotation.kid,
        "previous_kid": rotation.previous_kid,
        "previous_published_for_secs": rotation
            .previous_published_until
            .saturating_duration_since(Instant::now())
            .as_secs(),
    })))
}

// ---- webhooks ----

async fn deliveries(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({
        "webhook_url": emulator.inner.webhooks.target_url().map(|u| u.as_str()),
        "deliveries": emulator.inner.webhooks.deliveries(),
    }))
}
