//! `/v1/me…`: what `<UserProfile/>` reads and changes about the signed-in person beyond the
//! client. Emulated: the active devices (`GET /v1/me/sessions/active`, the Security page's
//! list) and the names (`PATCH /v1/me`, "Update profile"); the other writes are not.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::json::user_json;
use super::{BrowserClient, Form, client, envelope, no_store, signed_out};
use crate::core::store::{SessionStatus, UserPatch};
use crate::error::ClerkApiError;
use crate::{Emulator, now_millis};

/// "Update profile": `first_name` and `last_name` (a field sent empty clears it), as Clerk's
/// `PATCH /v1/me`; the change raises `user.updated` like any other. Answers the user, with the
/// client.
pub(crate) async fn update(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ClerkApiError> {
    let unsupported = form
        .0
        .keys()
        .find(|key| !matches!(key.as_str(), "first_name" | "last_name"))
        .cloned();
    if let Some(field) = unsupported {
        return Err(ClerkApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            "is unknown",
            format!("{field} cannot be changed in the emulator"),
        )
        .with_param(field));
    }
    let name = |key: &str| {
        form.0
            .get(key)
            .map(|value| Some(value.trim().to_owned()).filter(|v| !v.is_empty()))
    };
    let patch = UserPatch {
        first_name: name("first_name"),
        last_name: name("last_name"),
        ..UserPatch::default()
    };
    let browser = BrowserClient::from_headers(&headers);
    let (client_id, user) = emulator
        .mutate::<_, ClerkApiError>(|data, now| {
            let client = browser.find(data).ok_or_else(signed_out)?;
            let client_id = client.id.clone();
            let user_id = client
                .session_id
                .as_deref()
                .and_then(|sid| data.session(sid).ok())
                .filter(|s| s.status_at(now) == SessionStatus::Active)
                .map(|s| s.user_id.clone())
                .ok_or_else(signed_out)?;
            let event = data.update_user(&user_id, patch, now)?;
            let user = data.user(&user_id)?.clone();
            Ok(((client_id, user), vec![event]))
        })
        .await?;
    let view = client::view(&emulator, &client_id, None, &headers);
    let response = user_json(&user, emulator.image_base());
    Ok(envelope(&emulator, StatusCode::OK, response, view))
}

/// The browser's active session, with its latest activity, as a bare array (clerk-js reads
/// this answer's payload itself, not Clerk's `{"response": …}` envelope). One session at
/// most: the emulator is a single-session instance.
pub(crate) async fn active_sessions(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
) -> Result<Response, ClerkApiError> {
    let browser = BrowserClient::from_headers(&headers);
    let now = now_millis();
    let sessions = emulator.read_state(|data| {
        let client = browser.find(data).ok_or_else(signed_out)?;
        Ok::<_, ClerkApiError>(
            data.sessions
                .iter()
                .filter(|s| s.client_id.as_deref() == Some(client.id.as_str()))
                .filter(|s| s.status_at(now) == SessionStatus::Active)
                .map(|s| (s.id.clone(), s.expire_at, s.updated_at))
                .collect::<Vec<_>>(),
        )
    })?;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let answer: Vec<Value> = sessions
        .into_iter()
        .map(|(id, expire_at, last_active_at)| {
            json!({
                "object": "session",
                "id": id,
                "status": "active",
                "expire_at": expire_at,
                "abandon_at": expire_at,
                "last_active_at": last_active_at,
                "latest_activity": activity(&id, agent),
                "actor": null,
            })
        })
        .collect();
    Ok(no_store(Json(answer).into_response()))
}

/// What Clerk derives from the request that last used the session: here only the browser's
/// name and whether it is a phone, from its `User-Agent` (no address or location offline).
fn activity(session_id: &str, agent: &str) -> Value {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .into_iter()
        .find(|mark| agent.contains(mark))
        .map(|mark| match mark {
            "Edg/" => "Edge",
            other => other.trim_end_matches('/'),
        })
        .unwrap_or("");
    let mobile = agent.contains("Mobile");
    json!({
        "object": "session_activity",
        "id": format!("sess_activity_{}", session_id.trim_start_matches("sess_")),
        "device_type": if mobile { "Mobile" } else { "" },
        "is_mobile": mobile,
        "browser_name": browser,
        "browser_version": "",
        "ip_address": "",
        "city": "",
        "country": "",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_names_the_browser_from_its_user_agent() {
        let chromium = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        Chrome/140.0.0.0 Safari/537.36";
        assert_eq!(activity("sess_1", chromium)["browser_name"], "Chrome");
        assert_eq!(activity("sess_1", chromium)["is_mobile"], false);
        let phone = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/18.0 Mobile Safari/604.1";
        assert_eq!(activity("sess_1", phone)["browser_name"], "Safari");
        assert_eq!(activity("sess_1", phone)["is_mobile"], true);
        assert_eq!(activity("sess_1", "curl/8")["browser_name"], "");
    }
}
