//! The Frontend API flows clerk-js 6 runs, spoken as clerk-js speaks (forms with snake_case
//! keys, writes as `POST ?_method=…`): the environment, sign-in with a password, sign-up,
//! Clerk's error codes and the `__client_uat` cookies. What follows a sign-in (sign-out,
//! expiry, the fault switches, the profile) is in `fapi_sessions.rs`; both speak through the
//! helpers here.

use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::helpers::{TestEmulator, cookie_value, set_cookies, spawn};

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) cookies: Vec<String>,
    pub(crate) client: Option<String>,
}

pub(crate) async fn post(
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

pub(crate) async fn get(test: &TestEmulator, path: &str, client: Option<&str>) -> Answer {
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

pub(crate) fn uat(answer: &Answer, name: &str) -> Option<String> {
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
