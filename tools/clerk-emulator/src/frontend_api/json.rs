//! The Frontend API's resources in Clerk's JSON shapes (the fields clerk-js 6 reads in its
//! resources' `fromJSON`; times in milliseconds).

use serde_json::{Value, json};

use crate::core::store::{Session, SignInAttempt, SignUpAttempt, User};

/// The user as the browser sees it: no private metadata.
pub(crate) fn user_json(user: &User, base: &str) -> Value {
    user.frontend_json(base)
}

pub(crate) fn public_user_data(user: &User, base: &str) -> Value {
    json!({
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": user.image_url(base),
        "has_image": user.image_url.is_some(),
        "identifier": user.email_address,
        "user_id": user.id,
    })
}

/// A session with its user and, when there is one, the token clerk-js starts from (Clerk
/// piggybacks the session's latest token on every client answer).
pub(crate) fn session_json(
    session: &Session,
    status: &str,
    user: &User,
    base: &str,
    token: Option<&str>,
) -> Value {
    json!({
        "object": "session",
        "id": session.id,
        "status": status,
        "expire_at": session.expire_at,
        "abandon_at": session.expire_at,
        "last_active_at": session.updated_at,
        "last_active_organization_id": null,
        "actor": null,
        "tasks": null,
        "factor_verification_age": [0, -1],
        "user": user_json(user, base),
        "public_user_data": public_user_data(user, base),
        "last_active_token": token.map(|jwt| json!({ "object": "token", "jwt": jwt })),
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    })
}

fn verification(status: &str, strategy: Option<&str>, attempts: u32) -> Value {
    json!({
        "object": "verification",
        "status": status,
        "strategy": strategy,
        "attempts": attempts,
        "expire_at": null,
        "error": null,
    })
}

/// A sign-in attempt. `user` is the account the identifier names, when known.
pub(crate) fn sign_in_json(attempt: &SignInAttempt, user: Option<&User>, base: &str) -> Value {
    let first_factors: Vec<Value> = user
        .filter(|u| u.password_enabled())
        .map(|u| {
            json!({
                "strategy": "password",
                "safe_identifier": u.email_address,
                "email_address_id": u.email_address_id,
                "primary": true,
            })
        })
        .into_iter()
        .collect();
    let first_factor = match (&attempt.verified_with, attempt.status) {
        (Some(strategy), _) => verification("verified", Some(strategy), 1),
        (None, crate::core::store::SignInStatus::NeedsFirstFactor) => Value::Null,
        _ => Value::Null,
    };
    json!({
        "object": "sign_in",
        "id": attempt.id,
        "status": attempt.status.as_str(),
        "supported_identifiers": ["email_address"],
        "identifier": attempt.identifier,
        "supported_first_factors": first_factors,
        "supported_second_factors": null,
        "first_factor_verification": first_factor,
        "second_factor_verification": null,
        "created_session_id": attempt.created_session_id,
        "user_data": user.map(|u| json!({
            "first_name": u.first_name,
            "last_name": u.last_name,
            "image_url": u.image_url(base),
            "has_image": u.image_url.is_some(),
        })),
        "abandon_at": attempt.created_at + 24 * 3600 * 1000,
    })
}

/// What a sign-up still lacks before it can complete.
pub(crate) fn missing_fields(attempt: &SignUpAttempt) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if attempt.email_address.is_none() {
        missing.push("email_address");
    }
    if !attempt.has_password {
        missing.push("password");
    }
    missing
}

pub(crate) fn sign_up_json(attempt: &SignUpAttempt) -> Value {
    let missing = missing_fields(attempt);
    let status = if attempt.created_user_id.is_some() {
        "complete"
    } else {
        "missing_requirements"
    };
    json!({
        "object": "sign_up",
        "id": attempt.id,
        "status": status,
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name", "last_name"],
        "missing_fields": missing,
        "unverified_fields": [],
        "verifications": {
            "email_address": attempt.email_address.as_ref().map(|_| verification("verified", Some("email_code"), 0)),
            "phone_number": null,
            "web3_wallet": null,
            "external_account": null,
        },
        "username": null,
        "email_address": attempt.email_address,
        "phone_number": null,
        "web3_wallet": null,
        "external_id": null,
        "first_name": attempt.first_name,
        "last_name": attempt.last_name,
        "has_password": attempt.has_password,
        "unsafe_metadata": {},
        "public_metadata": {},
        "custom_action": false,
        "created_session_id": attempt.created_session_id,
        "created_user_id": attempt.created_user_id,
        "abandon_at": attempt.created_at + 24 * 3600 * 1000,
        "legal_accepted_at": null,
        "locale": null,
    })
}
