//! The Frontend API flows after sign-in, spoken as clerk-js speaks: sign-out through the
//! method override, expired clients and sessions, the token fault switch, and the profile.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::fapi_flows::{get, post, uat};
use crate::helpers::{sign_in, spawn};

#[tokio::test]
async fn signing_out_through_the_method_override_ends_the_session_and_zeroes_client_uat() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let out = post(
        &test,
        "/v1/client/sessions?_method=DELETE",
        Some(&client),
        &[],
    )
    .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert_eq!(out.body["response"]["sessions"], json!([]));
    assert_eq!(uat(&out, "__client_uat").as_deref(), Some("0"));
    let after = get(&test, "/v1/client", Some(&client)).await;
    assert_eq!(after.body["response"]["sessions"], json!([]));

    // `DELETE /v1/client` forgets the client altogether.
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let gone = post(&test, "/v1/client?_method=DELETE", Some(&client), &[]).await;
    assert_eq!(gone.body["response"]["deleted"], true);
    assert_eq!(
        get(&test, "/v1/client", Some(&client)).await.body["response"],
        Value::Null
    );
}

#[tokio::test]
async fn an_expired_client_or_session_is_signed_out() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let view = get(&test, "/v1/client", Some(&client)).await;
    let sid = view.body["response"]["sessions"][0]["id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let (status, _) = test
        .send(
            "POST",
            &format!("/_emulator/sessions/{sid}/expire"),
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = post(
        &test,
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some(&client),
        &[],
    )
    .await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED);

    let client = sign_in(&test, seeds::GRACE_HOPPER).await;
    let view = get(&test, "/v1/client", Some(&client)).await;
    let client_id = view.body["response"]["id"].as_str().expect("id").to_owned();
    let sid = view.body["response"]["sessions"][0]["id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let (status, _) = test
        .send(
            "POST",
            &format!("/_emulator/clients/{client_id}/expire"),
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&test, "/v1/client", Some(&client)).await.body["response"],
        Value::Null
    );
    let token = post(
        &test,
        &format!("/v1/client/sessions/{sid}/tokens"),
        Some(&client),
        &[],
    )
    .await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(token.body["errors"][0]["code"], "signed_out");
}

#[tokio::test]
async fn the_token_fault_switch_fails_or_slows_token_requests_then_recovers() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let view = get(&test, "/v1/client", Some(&client)).await;
    let sid = view.body["response"]["sessions"][0]["id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let path = format!("/v1/client/sessions/{sid}/tokens");

    let (status, _) = test
        .send(
            "PUT",
            "/_emulator/frontend-api/token-failure",
            json!({ "status": 503, "retry_after_secs": 3, "count": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // While failing, client answers carry no token either: clerk-js must ask, and fail.
    let view = get(&test, "/v1/client", Some(&client)).await;
    assert_eq!(
        view.body["response"]["sessions"][0]["last_active_token"],
        Value::Null
    );
    for _ in 0..2 {
        let failed = post(&test, &path, Some(&client), &[]).await;
        assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(
        post(&test, &path, Some(&client), &[]).await.status,
        StatusCode::OK
    );

    let (status, _) = test
        .send(
            "PUT",
            "/_emulator/frontend-api/token-failure",
            json!({ "delay_ms": 400, "count": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let started = Instant::now();
    assert_eq!(
        post(&test, &path, Some(&client), &[]).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(400));

    let (status, body) = test
        .send(
            "PUT",
            "/_emulator/frontend-api/token-failure",
            json!({ "status": 404 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn the_profile_reads_active_devices_and_changes_names_of_the_signed_in_person_only() {
    let test = spawn().await;
    // Signed out, neither answers.
    assert_eq!(
        get(&test, "/v1/me/sessions/active", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refused = post(&test, "/v1/me?_method=PATCH", None, &[("first_name", "X")]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);

    let client = sign_in(&test, seeds::GRACE_HOPPER).await;
    let devices = get(&test, "/v1/me/sessions/active", Some(&client)).await;
    assert_eq!(devices.status, StatusCode::OK, "{}", devices.body);
    // A bare array (clerk-js reads the payload itself), one active session.
    let sessions = devices.body.as_array().expect("an array");
    assert_eq!(sessions.len(), 1, "{}", devices.body);
    assert_eq!(sessions[0]["status"], "active");
    assert_eq!(sessions[0]["latest_activity"]["object"], "session_activity");

    let changed = post(
        &test,
        "/v1/me?_method=PATCH",
        Some(&client),
        &[("first_name", "Amazing"), ("last_name", "")],
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["response"]["first_name"], "Amazing");
    assert_eq!(changed.body["response"]["last_name"], Value::Null);
    assert_eq!(
        changed.body["client"]["sessions"][0]["user"]["first_name"],
        "Amazing"
    );
    let (_, user) = test
        .get(&format!("/_emulator/users/{}", seeds::GRACE_HOPPER))
        .await;
    assert_eq!(user["first_name"], "Amazing");

    // Only the names: anything else is refused by name, and nothing changes.
    let other = post(
        &test,
        "/v1/me?_method=PATCH",
        Some(&client),
        &[("first_name", "Grace"), ("username", "grace")],
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.body
    );
    assert_eq!(other.body["errors"][0]["meta"]["param_name"], "username");
    let (_, user) = test
        .get(&format!("/_emulator/users/{}", seeds::GRACE_HOPPER))
        .await;
    assert_eq!(user["first_name"], "Amazing");
}
