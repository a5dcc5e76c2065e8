//! The Frontend API flows clerk-js 6 runs, spoken as clerk-js speaks (forms with snake_case
//! keys, writes as `POST ?_method=…`): sign-in with a password, sign-up, sign-out, Clerk's
//! error codes, the `__client_uat` cookies, and the fault switches.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::helpers::{TestEmulator, cookie_value, set_cookies, sign_in, spawn};

struct Answer {
    status: StatusCode,
    body: Value,
    cookies: Vec<String>,
    client: Option<String>,
}

async fn post(
    test: &TestEmulator,
    path: &str,
    client: Option<&str>,
    form: &[(&str, &str)],
) -> Answer {
    let mut request = test
        .http
        .post(test.url(path))
        .header("origin", &test.origin)
        .form(form);
    if let Some(client) = client {
        request = request.header("cookie", format!("__client={client}"));
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let cookies = set_cookies(response.headers());
    let client = cookie_value(response.headers(), "__client");
    Answer {
        status,
        body: response.json().await.unwrap_or(Value::Null),
        cookies,
        client,
    }
}

async fn get(test: &TestEmulator, path: &str, client: Option<&str>) -> Answer {
    let mut request = test.http.get(test.url(path));
    if let Some(client) = client {
        request = request.header("cookie", format!("__client={client}"));
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let cookies = set_cookies(response.headers());
    Answer {
        status,
        body: response.json().await.unwrap_or(Value::Null),
        cookies,
        client: None,
    }
}

fn uat(answer: &Answer, name: &str) -> Option<String> {
    answer.cookies.iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))
            .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

#[tokio::test]
async fn the_environment_is_a_production_single_session_password_instance() {
    let test = spawn().await;
    let env = get(&test, "/v1/environment", None).await;
    assert_eq!(env.status, StatusCode::OK);
    assert_eq!(env.body["object"], "environment");
    assert_eq!(
        env.body["display_config"]["instance_environment_type"],
        "production"
    );
    assert_eq!(env.body["auth_config"]["single_session_mode"], true);
    assert_eq!(
        env.body["user_settings"]["attributes"]["password"]["enabled"],
        true
    );
    assert_eq!(
        env.body["display_config"]["sign_in_url"],
        format!("{}/sign-in", test.base)
    );
    assert_eq!(
        env.body["display_config"]["captcha_public_key"],
        Value::Null
    );
}

#[tokio::test]
async fn a_password_sign_in_completes_in_one_step_or_two_and_sets_client_uat() {
    let test = spawn().await;
    let one = post(
        &test,
        "/v1/client/sign_ins",
        None,
        &[
            ("strategy", "password"),
            ("identifier", "ADA@example.com"),
            ("password", "ada-lovelace-1815"),
            ("locale", "en-US"),
        ],
    )
    .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.body["response"]["object"], "sign_in");
    assert_eq!(one.body["response"]["status"], "complete");
    let sid = one.body["response"]["created_session_id"]
        .as_str()
        .expect("sid");
    assert_eq!(one.body["client"]["last_active_session_id"], sid);
    assert_eq!(
        one.body["client"]["sessions"][0]["user"]["id"],
        seeds::ADA_LOVELACE
    );
    assert!(one.body["client"]["sessions"][0]["last_active_token"]["jwt"].is_string());
    assert!(one.client.is_some(), "the new client's cookie is set");
    let suffixed = format!("__client_uat_{}", test.emulator.cookie_suffix());
    let seconds = uat(&one, "__client_uat").expect("__client_uat");
    assert!(seconds.parse::<i64>().expect("seconds") > 1_600_000_000);
    assert_eq!(uat(&one, &suffixed), Some(seconds));

    // Identifier first, then the password as the first factor.
    let started = post(
        &test,
        "/v1/client/sign_ins",
        None,
        &[("identifier", "grace@example.com")],
    )
    .await;
    assert_eq!(started.body["response"]["status"], "needs_first_factor");
    assert_eq!(
        started.body["response"]["supported_first_factors"][0]["strategy"],
        "password"
    );
    let client = started.client.expect("client");
    let id = started.body["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
    let wrong = post(
        &test,
        &path,
        Some(&client),
        &[("strategy", "password"), ("password", "nope-nope")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.body["errors"][0]["code"], "form_password_incorrect");
    assert_eq!(wrong.body["errors"][0]["meta"]["param_name"], "password");
    let right = post(
        &test,
        &path,
        Some(&client),
        &[("strategy", "password"), ("password", "grace-hopper-1906")],
    )
    .await;
    assert_eq!(
        right.body["response"]["status"], "complete",
        "{}",
        right.body
    );
    assert_eq!(
        right.body["client"]["sessions"][0]["user"]["id"],
        seeds::GRACE_HOPPER
    );
}

#[tokio::test]
async fn sign_in_refusals_carry_clerks_codes() {
    let test = spawn().await;
    let unknown = post(
        &test,
        "/v1/client/sign_ins",
        None,
        &[
            ("identifier", "nobody@example.com"),
            ("password", "whatever-1"),
        ],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown.body["errors"][0]["code"],
        "form_identifier_not_found"
    );
    assert_eq!(
        unknown.body["errors"][0]["meta"]["param_name"],
        "identifier"
    );

    let wrong = post(
        &test,
        "/v1/client/sign_ins",
        None,
        &[
            ("identifier", "ada@example.com"),
            ("password", "not-it-at-all"),
        ],
    )
    .await;
    assert_eq!(wrong.body["errors"][0]["code"], "form_password_incorrect");

    let oauth = post(
        &test,
        "/v1/client/sign_ins",
        None,
        &[("strategy", "oauth_google")],
    )
    .await;
    assert_eq!(oauth.body["errors"][0]["code"], "strategy_for_user_invalid");
}

#[tokio::test]
async fn a_sign_up_with_email_and_password_creates_the_user_and_signs_in() {
    let test = spawn().await;
    let short = post(
        &test,
        "/v1/client/sign_ups",
        None,
        &[("email_address", "mary@example.com"), ("password", "short")],
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        short.body["errors"][0]["code"],
        "form_password_length_too_short"
    );
    let taken = post(
        &test,
        "/v1/client/sign_ups",
        None,
        &[
            ("email_address", "Ada@Example.com"),
            ("password", "long-enough-1"),
        ],
    )
    .await;
    assert_eq!(taken.body["errors"][0]["code"], "form_identifier_exists");
    assert_eq!(
        taken.body["errors"][0]["meta"]["param_name"],
        "email_address"
    );

    let created = post(
        &test,
        "/v1/client/sign_ups",
        None,
        &[
            ("email_address", "mary@example.com"),
            ("password", "mary-somerville-1780"),
            ("first_name", "Mary"),
            ("last_name", "Somerville"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let sign_up = &created.body["response"];
    assert_eq!(sign_up["object"], "sign_up");
    assert_eq!(sign_up["status"], "complete");
    let user_id = sign_up["created_user_id"].as_str().expect("user");
    assert_eq!(created.body["client"]["sessions"][0]["user"]["id"], user_id);
    assert_eq!(
        created.body["client"]["sessions"][0]["user"]["password_enabled"],
        true
    );
    // The new account signs in with its password.
    let again = post(
        &test,
        "/v1/client/sign_ins",
        None,
        &[
            ("identifier", "mary@example.com"),
            ("password", "mary-somerville-1780"),
        ],
    )
    .await;
    assert_eq!(again.body["response"]["status"], "complete");

    // Email first, password later: missing requirements until then.
    let partial = post(
        &test,
        "/v1/client/sign_ups",
        None,
        &[("email_address", "ann@example.com")],
    )
    .await;
    assert_eq!(partial.body["response"]["status"], "missing_requirements");
    assert_eq!(
        partial.body["response"]["missing_fields"],
        json!(["password"])
    );
}

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
