use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::helpers::spawn;

#[tokio::test]
async fn get_user_answers_in_clerks_shape() {
    let test = spawn().await;
    let response = test
        .backend(&format!("/v1/users/{}", seeds::ADA_LOVELACE))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.expect("json");
    assert_eq!(user["id"], seeds::ADA_LOVELACE);
    assert_eq!(user["object"], "user");
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["last_name"], "Lovelace");
    let email = &user["email_addresses"][0];
    assert!(
        email["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("idn_"))
    );
    assert_eq!(email["object"], "email_address");
    assert_eq!(email["email_address"], "ada@example.com");
    assert_eq!(email["verification"]["status"], "verified");
    assert_eq!(user["primary_email_address_id"], email["id"]);
    assert!(
        user["image_url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&test.base))
    );
    // Milliseconds, as Clerk sends them.
    let created = user["created_at"].as_i64().expect("created_at");
    assert!(created > 1_600_000_000_000, "{created}");
    assert!(user["updated_at"].as_i64().expect("updated_at") >= created);
}

#[tokio::test]
async fn backend_api_needs_the_secret_key() {
    let test = spawn().await;
    for path in ["/v1/jwks", &format!("/v1/users/{}", seeds::ADA_LOVELACE)] {
        let missing = test.http.get(test.url(path)).send().await.expect("send");
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: Value = missing.json().await.expect("json");
        assert_eq!(body["errors"][0]["code"], "authentication_invalid");
        assert!(body["errors"][0]["long_message"].is_string());

        let wrong = test
            .http
            .get(test.url(path))
            .bearer_auth("sk_test_wrong")
            .send()
            .await
            .expect("send");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn unknown_and_deleted_users_are_404() {
    let test = spawn().await;
    let response = test.backend("/v1/users/user_doesnotexist").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "resource_not_found");

    let (status, _) = test
        .send(
            "DELETE",
            &format!("/_emulator/users/{}", seeds::GRACE_HOPPER),
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let response = test
        .backend(&format!("/v1/users/{}", seeds::GRACE_HOPPER))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn failure_switch_answers_429_with_retry_after_then_recovers() {
    let test = spawn().await;
    let (status, _) = test
        .send(
            "PUT",
            "/_emulator/backend-api/failure",
            json!({ "status": 429, "retry_after_secs": 7, "count": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/v1/users/{}", seeds::ADA_LOVELACE);
    for _ in 0..2 {
        let response = test.backend(&path).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["code"], "too_many_requests");
    }
    assert_eq!(test.backend(&path).await.status(), StatusCode::OK);
    // The failure switch comes after authentication, as with Clerk.
    let (_, _) = test
        .send(
            "PUT",
            "/_emulator/backend-api/failure",
            json!({ "status": 503 }),
        )
        .await;
    let unauthenticated = test.http.get(test.url(&path)).send().await.expect("send");
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    for _ in 0..3 {
        assert_eq!(
            test.backend("/v1/jwks").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    let (status, _) = test
        .send("DELETE", "/_emulator/backend-api/failure", json!(null))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(test.backend("/v1/jwks").await.status(), StatusCode::OK);

    let (status, body) = test
        .send(
            "PUT",
            "/_emulator/backend-api/failure",
            json!({ "status": 404 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn backend_calls_are_counted_per_endpoint_and_can_be_reset() {
    let test = spawn().await;
    test.backend("/v1/jwks").await;
    test.backend(&format!("/v1/users/{}", seeds::ADA_LOVELACE))
        .await;
    test.backend(&format!("/v1/users/{}", seeds::ALAN_TURING))
        .await;
    test.http
        .get(test.url("/v1/users/user_x"))
        .send()
        .await
        .expect("unauthenticated call still counts");
    let (status, counts) = test.get("/_emulator/backend-api/calls").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts["calls"]["GET /v1/jwks"], 1);
    assert_eq!(counts["calls"]["GET /v1/users/{id}"], 3);
    assert_eq!(counts["total"], 4);

    let (status, _) = test
        .send("DELETE", "/_emulator/backend-api/calls", json!(null))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, counts) = test.get("/_emulator/backend-api/calls").await;
    assert_eq!(counts["total"], 0);
    assert_eq!(counts["calls"], json!({}));
}

// ---- users, sessions and sign-in tokens, as @clerk/backend calls them ----

/// Clerk's error body: the first error's code and `meta.param_name`.
pub(crate) fn error_of(body: &Value) -> (&str, Option<&str>) {
    let error = &body["errors"][0];
    assert!(error["message"].is_string(), "{body}");
    assert!(error["long_message"].is_string(), "{body}");
    (
        error["code"].as_str().unwrap_or_default(),
        error["meta"]["param_name"].as_str(),
    )
}

pub(crate) async fn create_user(
    test: &crate::helpers::TestEmulator,
    email: &str,
    password: &str,
) -> Value {
    let (status, user) = test
        .backend_send(
            "POST",
            "/v1/users",
            json!({
                "email_address": [email],
                "password": password,
                "first_name": "Katherine",
                "last_name": "Johnson",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    user
}

#[tokio::test]
async fn every_backend_endpoint_needs_the_secret_key() {
    let test = spawn().await;
    let ada = seeds::ADA_LOVELACE;
    let endpoints = [
        ("GET", "/v1/users".to_owned()),
        ("POST", "/v1/users".to_owned()),
        ("GET", "/v1/users/count".to_owned()),
        ("PATCH", format!("/v1/users/{ada}")),
        ("DELETE", format!("/v1/users/{ada}")),
        ("POST", format!("/v1/users/{ada}/verify_password")),
        ("GET", format!("/v1/sessions?user_id={ada}")),
        ("GET", "/v1/sessions/sess_x".to_owned()),
        ("POST", "/v1/sessions/sess_x/revoke".to_owned()),
        ("POST", "/v1/sessions/sess_x/tokens".to_owned()),
        ("POST", "/v1/sign_in_tokens".to_owned()),
        ("POST", "/v1/sign_in_tokens/sit_x/revoke".to_owned()),
    ];
    for (method, path) in &endpoints {
        for key in [None, Some("sk_test_wrong")] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let mut request = test
                .http
                .request(method.clone(), test.url(path))
                .json(&json!({ "user_id": ada, "email_address": ["x@example.com"] }));
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await.expect("send");
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} {key:?}"
            );
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["errors"][0]["code"], "authentication_invalid");
        }
    }
    // Nothing was changed by the refused calls.
    assert_eq!(
        test.backend(&format!("/v1/users/{ada}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_session_token_from_the_backend_api_verifies_and_stops_at_revocation() {
    let test = spawn().await;
    let minted = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let sid = minted["session_id"].as_str().expect("sid");
    let path = format!("/v1/sessions/{sid}/tokens");
    let (status, token) = test
        .backend_send("POST", &path, json!({ "expires_in_seconds": 120 }))
        .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["object"], "token");
    let claims = test
        .verify(token["jwt"].as_str().expect("jwt"), true)
        .await
        .expect("verifies");
    assert_eq!(claims["sid"], sid);
    assert_eq!(claims["sub"], seeds::ADA_LOVELACE);
    assert_eq!(
        claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"),
        120
    );

    test.backend_send("POST", &format!("/v1/sessions/{sid}/revoke"), json!(null))
        .await;
    let (status, body) = test.backend_send("POST", &path, json!(null)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_of(&body).0, "session_inactive");
    let (status, _) = test
        .backend_send("POST", "/v1/sessions/sess_unknown/tokens", json!(null))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
