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

#[tokio::test]
async fn a_backend_sign_in_token_signs_in_once_and_a_revoked_session_is_signed_out() {
    let test = spawn().await;
    let post = |path: String, body: Value| {
        test.http
            .post(test.url(&path))
            .bearer_auth(test.emulator.secret_key())
            .json(&body)
            .send()
    };
    let created: Value = post(
        "/v1/sign_in_tokens".into(),
        json!({ "user_id": seeds::ADA_LOVELACE, "expires_in_seconds": 300 }),
    )
    .await
    .expect("send")
    .json()
    .await
    .expect("json");
    assert_eq!(created["object"], "sign_in_token");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["user_id"], seeds::ADA_LOVELACE);
    let ticket = created["token"].as_str().expect("token");

    let signed_in = test
        .http
        .post(test.url("/v1/client/sign_ins"))
        .form(&[("strategy", "ticket"), ("ticket", ticket)])
        .send()
        .await
        .expect("sign in");
    let body: Value = signed_in.json().await.expect("json");
    let sid = body["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();

    let revoked = post(format!("/v1/sessions/{sid}/revoke"), json!({}))
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        revoked.json::<Value>().await.expect("json")["status"],
        "revoked"
    );

    // Unknown users get no token; a revoked token is refused by the Frontend API.
    let missing = post(
        "/v1/sign_in_tokens".into(),
        json!({ "user_id": "user_nobody" }),
    )
    .await
    .expect("send");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let second: Value = post(
        "/v1/sign_in_tokens".into(),
        json!({ "user_id": seeds::ADA_LOVELACE }),
    )
    .await
    .expect("send")
    .json()
    .await
    .expect("json");
    let id = second["id"].as_str().expect("id");
    let revoked: Value = post(format!("/v1/sign_in_tokens/{id}/revoke"), json!({}))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(revoked["status"], "revoked");
    let refused = test
        .http
        .post(test.url("/v1/client/sign_ins"))
        .form(&[
            ("strategy", "ticket"),
            ("ticket", second["token"].as_str().expect("token")),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // All of it behind the secret key.
    let anonymous = test
        .http
        .post(test.url("/v1/sign_in_tokens"))
        .json(&json!({ "user_id": seeds::ADA_LOVELACE }))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
