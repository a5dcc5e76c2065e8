//! `/v1/client/sign_ups`: sign up with an email address and a password (names optional).
//! The email counts as verified (the emulator sends no mail), so a sign-up with both
//! completes at once: the user is created (raising `user.created`) and signed in. A sign-up
//! that lacks one stays `missing_requirements` until a `PATCH` brings it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::json::{missing_fields, sign_up_json};
use super::{BrowserClient, Form, client, envelope, signed_out};
use crate::Emulator;
use crate::core::store::{
    NewUser, SignUpAttempt, StateData, StoreError, StoreEvent, validate_email,
};
use crate::error::ClerkApiError;
use crate::ids;

pub(crate) async fn create(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ClerkApiError> {
    let (client_id, new_cookie) = client::ensure_client(&emulator, &headers).await?;
    let attempt = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let attempt = SignUpAttempt {
                id: ids::new_id("sua"),
                created_at: now,
                ..SignUpAttempt::default()
            };
            progress(data, &client_id, attempt, &form, now)
        })
        .await?;
    Ok(answer(
        &emulator, &attempt, &client_id, new_cookie, &headers,
    ))
}

pub(crate) async fn get(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let (attempt, client_id) = current(&emulator, &headers, &id)?;
    Ok(answer(&emulator, &attempt, &client_id, None, &headers))
}

pub(crate) async fn update(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ClerkApiError> {
    let (attempt, client_id) = current(&emulator, &headers, &id)?;
    let client = client_id.clone();
    let attempt = emulator
        .mutate::<_, ClerkApiError>(move |data, now| progress(data, &client, attempt, &form, now))
        .await?;
    Ok(answer(&emulator, &attempt, &client_id, None, &headers))
}

fn current(
    emulator: &Emulator,
    headers: &HeaderMap,
    id: &str,
) -> Result<(SignUpAttempt, String), ClerkApiError> {
    let browser = BrowserClient::from_headers(headers);
    emulator.read_state(|data| {
        let client = browser.find(data).ok_or_else(signed_out)?;
        let attempt = client
            .sign_up
            .clone()
            .filter(|a| a.id == id)
            .ok_or_else(|| ClerkApiError::not_found(format!("sign-up {id}")))?;
        Ok((attempt, client.id.clone()))
    })
}

/// Takes the form's fields into the attempt and completes it when nothing is missing.
fn progress(
    data: &mut StateData,
    client_id: &str,
    mut attempt: SignUpAttempt,
    form: &Form,
    now: i64,
) -> Result<(SignUpAttempt, Vec<StoreEvent>), ClerkApiError> {
    if attempt.created_user_id.is_some() {
        return Ok((attempt, Vec::new()));
    }
    if let Some(email) = form.get("email_address") {
        let email = validate_email(email).map_err(|message| {
            ClerkApiError::form(
                "form_param_format_invalid",
                "email_address",
                message,
                message,
            )
        })?;
        if data.user_by_email(&email).is_some() {
            return Err(StoreError::EmailTaken(email).into());
        }
        attempt.email_address = Some(email);
    }
    if let Some(first) = form.get("first_name") {
        attempt.first_name = Some(first.trim().to_owned());
    }
    if let Some(last) = form.get("last_name") {
        attempt.last_name = Some(last.trim().to_owned());
    }
    let password = form.get("password").map(str::to_owned);
    attempt.has_password = attempt.has_password || password.is_some();
    let mut events = Vec::new();
    // The password lives only in the user, so a sign-up completes in the request that
    // brings the last of email and password.
    if let (Some(email), Some(password)) = (attempt.email_address.clone(), password)
        && missing_fields(&attempt).is_empty()
    {
        let event = data.create_user(
            NewUser {
                email_address: email,
                first_name: attempt.first_name.clone(),
                last_name: attempt.last_name.clone(),
                password: Some(password),
                ..NewUser::default()
            },
            now,
        )?;
        let StoreEvent::Created(user) = &event else {
            return Err(ClerkApiError::internal("the user was not created"));
        };
        let session = data.start_session(client_id, &user.id, now)?;
        attempt.created_user_id = Some(user.id.clone());
        attempt.created_session_id = Some(session.id);
        events.push(event);
    } else if attempt.has_password && password_pending(form) {
        // A password given before the email cannot be kept: ask for it again with the email.
        attempt.has_password = false;
    }
    if let Some(client) = data.clients.iter_mut().find(|c| c.id == client_id) {
        client.sign_up = attempt.created_user_id.is_none().then(|| attempt.clone());
        client.updated_at = now.max(client.updated_at);
    }
    Ok((attempt, events))
}

fn password_pending(form: &Form) -> bool {
    form.get("password").is_some()
}

fn answer(
    emulator: &Emulator,
    attempt: &SignUpAttempt,
    client_id: &str,
    new_cookie: Option<String>,
    headers: &HeaderMap,
) -> Response {
    let view = client::view(emulator, client_id, new_cookie, headers);
    envelope(emulator, StatusCode::OK, sign_up_json(attempt), view)
}
