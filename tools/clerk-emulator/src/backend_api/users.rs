//! `/v1/users`: create, list, count, get, update and delete users, as `@clerk/backend`'s
//! `users.*` calls them.

use std::cmp::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::gate;
use super::query::Query;
use crate::Emulator;
use crate::core::store::{NewUser, SessionStatus, User, UserPatch};
use crate::error::ClerkApiError;
use crate::http::{parse_json, present};

pub(crate) const LIST_ENDPOINT: &str = "GET /v1/users";
pub(crate) const COUNT_ENDPOINT: &str = "GET /v1/users/count";
pub(crate) const CREATE_ENDPOINT: &str = "POST /v1/users";
pub(crate) const UPDATE_ENDPOINT: &str = "PATCH /v1/users/{id}";
pub(crate) const DELETE_ENDPOINT: &str = "DELETE /v1/users/{id}";

/// Filters of the list and the count; the list also pages and sorts.
const FILTERS: [&str; 3] = ["email_address", "user_id", "query"];
const LIST_PARAMS: [&str; 6] = [
    "email_address",
    "user_id",
    "query",
    "limit",
    "offset",
    "order_by",
];

/// The fields of Clerk's create-user body the emulator keeps; any other is refused (422),
/// since ignoring it would answer as if it had been applied.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(default)]
    email_address: Vec<String>,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    skip_password_checks: bool,
    /// Accepted and moot: the emulator never requires a password.
    #[serde(default, rename = "skip_password_requirement")]
    _skip_password_requirement: bool,
}

pub(crate) async fn create(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ClerkApiError> {
    gate(&emulator, &headers, CREATE_ENDPOINT)?;
    let body: CreateBody = parse_json(&body)?;
    let email = match body.email_address.as_slice() {
        [email] => email.clone(),
        [] => {
            return Err(ClerkApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_param_missing",
                "is missing",
                "email_address must be included (the emulator's users sign in with email)",
            )
            .with_param("email_address"));
        }
        _ => {
            return Err(ClerkApiError::unprocessable(
                "the emulator keeps one email address per user: give exactly one",
            )
            .with_param("email_address"));
        }
    };
    let new = NewUser {
        id: None,
        email_address: email,
        first_name: body.first_name,
        last_name: body.last_name,
        image_url: None,
        password: body.password,
        skip_password_checks: body.skip_password_checks,
    };
    let base = emulator.image_base().to_owned();
    let user = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.create_user(new, now)?;
            Ok((event.user_json(&base), vec![event]))
        })
        .await?;
    Ok((StatusCode::OK, Json(user)).into_response())
}

pub(crate) async fn get(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, super::USER_ENDPOINT)?;
    let base = emulator.image_base().to_owned();
    emulator
        .read_state(|data| data.user(&id).map(|u| u.clerk_json(&base)))
        .map(Json)
        .map_err(ClerkApiError::from)
}

/// Newest first by default, as Clerk lists them.
pub(crate) async fn list(
    State(emulator): State<Emulator>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, LIST_ENDPOINT)?;
    let query = Query::parse(raw.as_deref(), &LIST_PARAMS)?;
    let (limit, offset) = query.page()?;
    let order = Order::parse(query.one("order_by"))?;
    let base = emulator.image_base().to_owned();
    let users = emulator.read_state(|data| {
        let mut users: Vec<&User> = data.users.iter().filter(|u| matches(u, &query)).collect();
        users.sort_by(|a, b| order.compare(a, b));
        users
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|u| u.clerk_json(&base))
            .collect::<Vec<_>>()
    });
    Ok(Json(Value::Array(users)))
}

pub(crate) async fn count(
    State(emulator): State<Emulator>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, COUNT_ENDPOINT)?;
    let query = Query::parse(raw.as_deref(), &FILTERS)?;
    let total =
        emulator.read_state(|data| data.users.iter().filter(|u| matches(u, &query)).count());
    Ok(Json(
        json!({ "object": "total_count", "total_count": total }),
    ))
}

/// Emails and ids match exactly (emails ignoring case); `query` matches part of the email,
/// id or names, ignoring case. Every given filter must match.
fn matches(user: &User, query: &Query) -> bool {
    let emails = query.all("email_address");
    let ids = query.all("user_id");
    let text = query.one("query").map(str::to_lowercase);
    (emails.is_empty()
        || emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&user.email_address)))
        && (ids.is_empty() || ids.contains(&user.id.as_str()))
        && text.is_none_or(|needle| {
            [
                Some(user.email_address.as_str()),
                Some(user.id.as_str()),
                user.first_name.as_deref(),
                user.last_name.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().contains(&needle))
        })
}

/// `order_by`: a field with `-` (descending) or `+`/nothing (ascending) before it.
struct Order {
    field: &'static str,
    descending: bool,
}

impl Order {
    fn parse(raw: Option<&str>) -> Result<Self, ClerkApiError> {
        let raw = raw.unwrap_or("-created_at");
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw.strip_prefix('+').unwrap_or(raw)),
        };
        let field = [
            "created_at",
            "updated_at",
            "email_address",
            "first_name",
            "last_name",
        ]
        .into_iter()
        .find(|f| *f == name)
        .ok_or_else(|| {
            ClerkApiError::unprocessable(format!(
                "order_by {raw:?} is not supported; use created_at, updated_at, email_address, \
                 first_name or last_name, with - or + before it"
            ))
            .with_param("order_by")
        })?;
        Ok(Self { field, descending })
    }

    fn compare(&self, a: &User, b: &User) -> Ordering {
        let ordering = match self.field {
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            "email_address" => a.email_address.cmp(&b.email_address),
            "first_name" => a.first_name.cmp(&b.first_name),
            "last_name" => a.last_name.cmp(&b.last_name),
            _ => a.created_at.cmp(&b.created_at),
        }
        // Users made in the same millisecond keep the order they were made in.
        .then_with(|| a.created_at.cmp(&b.created_at));
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, deserialize_with = "present")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<Option<String>>,
    password: Option<String>,
    #[serde(default)]
    skip_password_checks: bool,
    /// With a new password: revoke the user's active sessions.
    #[serde(default)]
    sign_out_of_other_sessions: bool,
}

pub(crate) async fn update(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, UPDATE_ENDPOINT)?;
    let body: UpdateBody = parse_json(&body)?;
    let sign_out = body.sign_out_of_other_sessions && body.password.is_some();
    let patch = UserPatch {
        first_name: body.first_name,
        last_name: body.last_name,
        password: body.password,
        skip_password_checks: body.skip_password_checks,
        ..UserPatch::default()
    };
    let base = emulator.image_base().to_owned();
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.update_user(&id, patch, now)?;
            if sign_out {
                let active: Vec<String> = data
                    .sessions
                    .iter()
                    .filter(|s| s.user_id == id && s.status == SessionStatus::Active)
                    .map(|s| s.id.clone())
                    .collect();
                for session in active {
                    data.set_session_status(&session, SessionStatus::Revoked, now)?;
                }
            }
            Ok((event.user_json(&base), vec![event]))
        })
        .await
        .map(Json)
}

/// Clerk's `DeletedObject`; the user's sessions are revoked.
pub(crate) async fn delete(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, DELETE_ENDPOINT)?;
    let base = emulator.image_base().to_owned();
    emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let event = data.delete_user(&id, now)?;
            Ok((event.user_json(&base), vec![event]))
        })
        .await
        .map(Json)
}

pub(crate) const VERIFY_PASSWORD_ENDPOINT: &str = "POST /v1/users/{id}/verify_password";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyPasswordBody {
    password: String,
}

/// `{"verified": true}`, or Clerk's 422 `form_password_incorrect`.
pub(crate) async fn verify_password(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    gate(&emulator, &headers, VERIFY_PASSWORD_ENDPOINT)?;
    let body: VerifyPasswordBody = parse_json(&body)?;
    emulator.read_state(|data| data.verify_password(&id, &body.password))?;
    Ok(Json(json!({ "verified": true })))
}
