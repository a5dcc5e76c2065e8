//! Why the store refused a change, and how each refusal is answered.

use axum::http::StatusCode;

use crate::EmulatorError;
use crate::core::password::PasswordRule;
use crate::error::ClerkApiError;

/// Why a change was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("user {0} not found")]
    UserNotFound(String),
    #[error("user {0} was deleted; Clerk never brings a deleted user back")]
    UserDeleted(String),
    #[error("session {0} not found")]
    SessionNotFound(String),
    #[error("client {0} not found")]
    ClientNotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("another user already has the email address {0}")]
    EmailTaken(String),
    #[error("password: {0}")]
    Password(PasswordRule),
    #[error("the password is incorrect")]
    PasswordIncorrect,
    #[error("user {0} has no password")]
    PasswordNotSet(String),
    #[error("sign-in token not found")]
    SignInTokenNotFound,
    #[error("the sign-in token has expired")]
    SignInTokenExpired,
    #[error("the sign-in token has already been used")]
    SignInTokenUsed,
    #[error("the sign-in token has been revoked")]
    SignInTokenRevoked,
    #[error("the sign-in token is {0}; only pending sign-in tokens can be revoked")]
    SignInTokenNotRevocable(&'static str),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: &'static str,
    },
}

impl From<StoreError> for ClerkApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::UserNotFound(id) | StoreError::UserDeleted(id) => {
                let mut api = ClerkApiError::not_found(format!("user {id}"));
                api.long_message = error.to_string();
                api
            }
            StoreError::SessionNotFound(id) => ClerkApiError::not_found(format!("session {id}")),
            StoreError::ClientNotFound(id) => ClerkApiError::not_found(format!("client {id}")),
            StoreError::Conflict(_) => ClerkApiError::conflict(error.to_string()),
            StoreError::EmailTaken(_) => ClerkApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_identifier_exists",
                "That email address is taken. Please try another.",
                error.to_string(),
            )
            .with_param("email_address"),
            StoreError::Password(rule) => ClerkApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                rule.code(),
                rule.to_string(),
                rule.to_string(),
            )
            .with_param("password"),
            StoreError::PasswordIncorrect => ClerkApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_password_incorrect",
                "Password is incorrect. Try again, or use another method.",
                "Password is incorrect. Try again, or use another method.",
            )
            .with_param("password"),
            StoreError::PasswordNotSet(_) => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "strategy_for_user_invalid",
                "Invalid verification strategy",
                "This account has no password; sign in another way.",
            ),
            StoreError::SignInTokenNotFound => ClerkApiError::not_found("sign-in token"),
            StoreError::SignInTokenExpired => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_expired_code",
                "sign-in token has expired",
                "This sign-in token has expired. Please request a new one.",
            ),
            StoreError::SignInTokenUsed => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_already_used_code",
                "sign-in token has already been used",
                "This sign-in token has already been used. Each token can only be used once.",
            ),
            StoreError::SignInTokenRevoked => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_revoked_code",
                "sign-in token has been revoked",
                "This sign-in token has been revoked and cannot be used anymore.",
            ),
            StoreError::SignInTokenNotRevocable(_) => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_cannot_be_revoked_code",
                "cannot revoke",
                error.to_string(),
            ),
            StoreError::Invalid { field, .. } => {
                ClerkApiError::unprocessable(error.to_string()).with_param(*field)
            }
        }
    }
}

impl From<StoreError> for EmulatorError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UserNotFound(id) | StoreError::UserDeleted(id) => {
                EmulatorError::UserNotFound(id)
            }
            StoreError::SessionNotFound(id) => EmulatorError::SessionNotFound(id),
            other => EmulatorError::Config(other.to_string()),
        }
    }
}
