//! `/v1/client/sign_ins`: sign in with an email address and a password (in one step, or
//! identifier first and `attempt_first_factor` after), or with a sign-in token (`ticket`,
//! from the Backend API's `POST /v1/sign_in_tokens`). A completed sign-in starts the
//! client's session, replacing its previous one (single-session mode).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::json::sign_in_json;
use super::{BrowserClient, Form, client, envelope, signed_out};
use crate::Emulator;
use crate::core::store::{SignInAttempt, SignInStatus, StateData, StoreError};
use crate::error::ClerkApiError;
use crate::ids;

pub(crate) async fn create(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ClerkApiError> {
    let (client_id, new_cookie) = client::ensure_client(&emulator, &headers).await?;
    let strategy = form.get("strategy").map(str::to_owned);
    let identifier = form.get("identifier").map(str::to_owned);
    let password = form.get("password").map(str::to_owned);
    let ticket = form.get("ticket").map(str::to_owned);
    let attempt = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let mut attempt = SignInAttempt {
                id: ids::new_id("sia"),
                status: SignInStatus::NeedsIdentifier,
                identifier: None,
                user_id: None,
                verified_with: None,
                created_session_id: None,
                created_at: now,
            };
            match (strategy.as_deref(), ticket, identifier) {
                (Some("ticket"), Some(ticket), _) | (None, Some(ticket), None) => {
                    let user_id = data.consume_sign_in_token(&ticket, now).map_err(|_| {
                        ClerkApiError::form(
                            "ticket_invalid",
                            "ticket",
                            "is invalid",
                            "The sign-in token is invalid, expired or already used.",
                        )
                    })?;
                    attempt.identifier = data.user(&user_id).ok().map(|u| u.email_address.clone());
                    attempt.user_id = Some(user_id);
                    complete(data, &client_id, &mut attempt, "ticket", now)?;
                }
                (Some("ticket"), None, _) => {
                    return Err(ClerkApiError::form(
                        "form_param_missing",
                        "ticket",
                        "is missing",
                        "Enter a sign-in token.",
                    ));
                }
                (Some(other), _, _) if other != "password" => {
                    return Err(unsupported_strategy(other));
                }
                (_, _, Some(identifier)) => {
                    let user = data.user_by_email(&identifier).cloned().ok_or_else(|| {
                        ClerkApiError::form(
                            "form_identifier_not_found",
                            "identifier",
                            "Couldn't find your account.",
                            "Couldn't find your account.",
                        )
                    })?;
                    attempt.identifier = Some(user.email_address.clone());
                    attempt.user_id = Some(user.id.clone());
                    attempt.status = SignInStatus::NeedsFirstFactor;
                    if let Some(password) = password {
                        check_password(data, &user.id, &password)?;
                        complete(data, &client_id, &mut attempt, "password", now)?;
                    }
                }
                (_, _, None) => {}
            }
            let client = data
                .clients
                .iter_mut()
                .find(|c| c.id == client_id)
                .ok_or_else(signed_out)?;
            // Clerk forgets a sign-in once it completed; the answer still shows it.
            client.sign_in = (attempt.status != SignInStatus::Complete).then(|| attempt.clone());
            client.updated_at = now.max(client.updated_at);
            Ok((attempt, Vec::new()))
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
    let browser = BrowserClient::from_headers(&headers);
    let (attempt, client_id) = emulator.read_state(|data| {
        let client = browser.find(data).ok_or_else(signed_out)?;
        let attempt = client
            .sign_in
            .clone()
            .filter(|a| a.id == id)
            .ok_or_else(|| ClerkApiError::not_found(format!("sign-in {id}")))?;
        Ok::<_, ClerkApiError>((attempt, client.id.clone()))
    })?;
    Ok(answer(&emulator, &attempt, &client_id, None, &headers))
}

pub(crate) async fn attempt_first_factor(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ClerkApiError> {
    let browser = BrowserClient::from_headers(&headers);
    let strategy = form.get("strategy").unwrap_or_default().to_owned();
    let password = form.get("password").map(str::to_owned);
    let (attempt, client_id) = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let client = browser.find(data).ok_or_else(signed_out)?;
            let client_id = client.id.clone();
            let mut attempt = client
                .sign_in
                .clone()
                .filter(|a| a.id == id)
                .ok_or_else(|| ClerkApiError::not_found(format!("sign-in {id}")))?;
            let user_id = attempt
                .user_id
                .clone()
                .filter(|_| attempt.status == SignInStatus::NeedsFirstFactor)
                .ok_or_else(|| {
                    ClerkApiError::new(
                        StatusCode::BAD_REQUEST,
                        "verification_not_sent",
                        "is not ready for a first factor",
                        "Identify the account first.",
                    )
                })?;
            if strategy != "password" {
                return Err(unsupported_strategy(&strategy));
            }
            let password = password.ok_or_else(|| {
                ClerkApiError::form(
                    "form_param_missing",
                    "password",
                    "is missing",
                    "Enter your password.",
                )
            })?;
            check_password(data, &user_id, &password)?;
            complete(data, &client_id, &mut attempt, "password", now)?;
            if let Some(client) = data.clients.iter_mut().find(|c| c.id == client_id) {
                client.sign_in = None;
            }
            Ok(((attempt, client_id), Vec::new()))
        })
        .await?;
    Ok(answer(&emulator, &attempt, &client_id, None, &headers))
}

fn check_password(data: &StateData, user_id: &str, password: &str) -> Result<(), ClerkApiError> {
    data.verify_password(user_id, password).map_err(|_| {
        ClerkApiError::form(
            "form_password_incorrect",
            "password",
            "Password is incorrect. Try again, or use another method.",
            "Password is incorrect. Try again, or use another method.",
        )
    })
}

/// Starts the session the sign-in completes with.
fn complete(
    data: &mut StateData,
    client_id: &str,
    attempt: &mut SignInAttempt,
    strategy: &str,
    now: i64,
) -> Result<(), ClerkApiError> {
    let user_id = attempt.user_id.clone().ok_or_else(signed_out)?;
    let session = data
        .start_session(client_id, &user_id, now)
        .map_err(|e| match e {
            StoreError::UserDeleted(_) | StoreError::UserNotFound(_) => ClerkApiError::form(
                "form_identifier_not_found",
                "identifier",
                "Couldn't find your account.",
                "Couldn't find your account.",
            ),
            other => other.into(),
        })?;
    attempt.status = SignInStatus::Complete;
    attempt.verified_with = Some(strategy.to_owned());
    attempt.created_session_id = Some(session.id);
    Ok(())
}

fn unsupported_strategy(strategy: &str) -> ClerkApiError {
    ClerkApiError::form(
        "strategy_for_user_invalid",
        "strategy",
        "is not supported",
        format!("The emulator signs people in with \"password\" or \"ticket\", not {strategy:?}."),
    )
}

fn answer(
    emulator: &Emulator,
    attempt: &SignInAttempt,
    client_id: &str,
    new_cookie: Option<String>,
    headers: &HeaderMap,
) -> Response {
    let user = attempt
        .user_id
        .as_ref()
        .and_then(|id| emulator.read_state(|data| data.user(id).ok().cloned()));
    let response = sign_in_json(attempt, user.as_ref(), emulator.image_base());
    let view = client::view(emulator, client_id, new_cookie, headers);
    envelope(emulator, StatusCode::OK, response, view)
}
