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
fn error_of(body: &Value) -> (&str, Option<&str>) {
    let error = &body["errors"][0];
    assert!(error["message"].is_string(), "{body}");
    assert!(error["long_message"].is_string(), "{body}");
    (
        error["code"].as_str().unwrap_or_default(),
        error["meta"]["param_name"].as_str(),
    )
}

async fn create_user(test: &crate::helpers::TestEmulator, email: &str, password: &str) -> Value {
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
async fn create_user_with_a_password_answers_clerks_user() {
    let test = spawn().await;
    let user = create_user(&test, "katherine@example.com", "katherine-1918").await;
    assert_eq!(user["object"], "user");
    assert!(
        user["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("user_2"))
    );
    assert_eq!(user["password_enabled"], true);
    assert_eq!(user["first_name"], "Katherine");
    assert_eq!(user["last_name"], "Johnson");
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "katherine@example.com"
    );
    assert_eq!(
        user["primary_email_address_id"],
        user["email_addresses"][0]["id"]
    );
    assert!(!user.to_string().contains("katherine-1918"), "{user}");
    let id = user["id"].as_str().expect("id");
    let (status, fetched) = test
        .backend_send("GET", &format!("/v1/users/{id}"), json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, user);

    let (status, body) = test
        .backend_send(
            "POST",
            "/v1/users",
            json!({ "email_address": ["nopassword@example.com"], "skip_password_requirement": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["password_enabled"], false);
}

#[tokio::test]
async fn a_duplicate_email_is_422_form_identifier_exists() {
    let test = spawn().await;
    let (status, body) = test
        .backend_send(
            "POST",
            "/v1/users",
            json!({ "email_address": ["ADA@example.com"], "password": "another-password" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body),
        ("form_identifier_exists", Some("email_address"))
    );
}

#[tokio::test]
async fn bad_passwords_are_refused_with_clerks_codes() {
    let test = spawn().await;
    for (password, code) in [
        ("short", "form_password_length_too_short"),
        ("password123", "form_password_pwned"),
        (&"x".repeat(73) as &str, "form_password_length_too_long"),
    ] {
        let (status, body) = test
            .backend_send(
                "POST",
                "/v1/users",
                json!({ "email_address": ["new@example.com"], "password": password }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(error_of(&body), (code, Some("password")), "{password}");
    }
    let (status, body) = test
        .backend_send(
            "POST",
            "/v1/users",
            json!({
                "email_address": ["new@example.com"],
                "password": "password123",
                "skip_password_checks": true,
            }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "skip_password_checks skips the breach check: {body}"
    );
}

#[tokio::test]
async fn create_user_refuses_what_it_cannot_keep() {
    let test = spawn().await;
    for body in [
        json!({ "password": "long-enough-1" }),
        json!({ "email_address": ["a@example.com", "b@example.com"] }),
        json!({ "email_address": ["a@example.com"], "username": "ada" }),
        json!({ "email_address": ["not-an-email"] }),
    ] {
        let (status, answer) = test.backend_send("POST", "/v1/users", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        assert!(answer["errors"][0]["code"].is_string(), "{answer}");
    }
    let (_, count) = test
        .backend_send("GET", "/v1/users/count", json!(null))
        .await;
    assert_eq!(count["total_count"], 3, "nothing was created");
}

#[tokio::test]
async fn list_users_filters_pages_and_sorts_like_clerk() {
    let test = spawn().await;
    let (status, list) = test
        .backend_send(
            "GET",
            "/v1/users?email_address=GRACE%40example.com&email_address=alan%40example.com",
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert!(ids.contains(&seeds::GRACE_HOPPER) && ids.contains(&seeds::ALAN_TURING));

    let (_, sorted) = test
        .backend_send(
            "GET",
            "/v1/users?order_by=%2Bfirst_name&limit=2&offset=1",
            json!(null),
        )
        .await;
    let names: Vec<&str> = sorted
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["first_name"].as_str())
        .collect();
    assert_eq!(names, ["Alan", "Grace"], "Ada, [Alan, Grace]");

    let (_, found) = test
        .backend_send("GET", "/v1/users?query=hopp", json!(null))
        .await;
    assert_eq!(found[0]["id"], seeds::GRACE_HOPPER);

    let (status, count) = test
        .backend_send(
            "GET",
            "/v1/users/count?email_address=ada%40example.com",
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count, json!({ "object": "total_count", "total_count": 1 }));

    let (status, body) = test
        .backend_send("GET", "/v1/users?phone_number=%2B15550100", json!(null))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body),
        ("form_param_unknown", Some("phone_number"))
    );
    let (status, _) = test
        .backend_send("GET", "/v1/users?order_by=-banned", json!(null))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn list_users_is_newest_first_by_default() {
    let test = spawn().await;
    let user = create_user(&test, "newest@example.com", "newest-user-1").await;
    let (_, list) = test.backend_send("GET", "/v1/users", json!(null)).await;
    assert_eq!(list[0]["id"], user["id"]);
    assert_eq!(list.as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn update_user_changes_names_and_password() {
    let test = spawn().await;
    let path = format!("/v1/users/{}", seeds::ADA_LOVELACE);
    let (status, user) = test
        .backend_send(
            "PATCH",
            &path,
            json!({ "first_name": "Augusta", "last_name": null }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["first_name"], "Augusta");
    assert_eq!(user["last_name"], Value::Null);

    let verify = format!("/v1/users/{}/verify_password", seeds::ADA_LOVELACE);
    let (status, body) = test
        .backend_send("POST", &verify, json!({ "password": "ada-lovelace-1815" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "verified": true }));

    let (status, _) = test
        .backend_send("PATCH", &path, json!({ "password": "analytical-engine" }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = test
        .backend_send("POST", &verify, json!({ "password": "ada-lovelace-1815" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body),
        ("form_password_incorrect", Some("password"))
    );

    let (status, body) = test
        .backend_send("PATCH", &path, json!({ "password": "short" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&body).0, "form_password_length_too_short");
}

#[tokio::test]
async fn a_new_password_can_sign_out_the_users_sessions() {
    let test = spawn().await;
    let minted = test.mint(json!({ "user_id": seeds::ALAN_TURING })).await;
    let sid = minted["session_id"].as_str().expect("sid");
    let (status, _) = test
        .backend_send(
            "PATCH",
            &format!("/v1/users/{}", seeds::ALAN_TURING),
            json!({ "password": "enigma-machine", "sign_out_of_other_sessions": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, session) = test
        .backend_send("GET", &format!("/v1/sessions/{sid}"), json!(null))
        .await;
    assert_eq!(session["status"], "revoked");
}

#[tokio::test]
async fn delete_user_answers_a_deleted_object_and_revokes_its_sessions() {
    let test = spawn().await;
    let user = create_user(&test, "gone@example.com", "soon-to-be-gone").await;
    let id = user["id"].as_str().expect("id");
    let minted = test.mint(json!({ "user_id": id })).await;
    let sid = minted["session_id"].as_str().expect("sid");
    let (status, deleted) = test
        .backend_send("DELETE", &format!("/v1/users/{id}"), json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        deleted,
        json!({ "object": "user", "id": id, "deleted": true })
    );
    let (status, body) = test
        .backend_send("GET", &format!("/v1/users/{id}"), json!(null))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).0, "resource_not_found");
    let (_, session) = test
        .backend_send("GET", &format!("/v1/sessions/{sid}"), json!(null))
        .await;
    assert_eq!(session["status"], "revoked");
    for (method, body) in [
        ("DELETE", json!(null)),
        ("PATCH", json!({ "first_name": "X" })),
    ] {
        let (status, _) = test
            .backend_send(method, &format!("/v1/users/{id}"), body)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
    }
}

#[tokio::test]
async fn sessions_can_be_read_listed_and_revoked() {
    let test = spawn().await;
    let first = test.mint(json!({ "user_id": seeds::GRACE_HOPPER })).await;
    let second = test.mint(json!({ "user_id": seeds::GRACE_HOPPER })).await;
    let sid = second["session_id"].as_str().expect("sid");
    let (status, session) = test
        .backend_send("GET", &format!("/v1/sessions/{sid}"), json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(session["object"], "session");
    assert_eq!(session["user_id"], seeds::GRACE_HOPPER);
    assert_eq!(session["status"], "active");
    for field in [
        "expire_at",
        "abandon_at",
        "last_active_at",
        "created_at",
        "updated_at",
    ] {
        assert!(session[field].is_i64(), "{field}: {session}");
    }

    let (status, page) = test
        .backend_send(
            "GET",
            &format!(
                "/v1/sessions?user_id={}&paginated=true&limit=1",
                seeds::GRACE_HOPPER
            ),
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total_count"], 2);
    assert_eq!(page["data"][0]["id"], sid, "newest first");

    let (status, revoked) = test
        .backend_send("POST", &format!("/v1/sessions/{sid}/revoke"), json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(revoked["status"], "revoked");
    let (_, active) = test
        .backend_send(
            "GET",
            &format!("/v1/sessions?user_id={}&status=active", seeds::GRACE_HOPPER),
            json!(null),
        )
        .await;
    assert_eq!(active.as_array().map(Vec::len), Some(1));
    assert_eq!(active[0]["id"], first["session_id"]);

    // A revoked session mints no more tokens.
    let (status, _) = test
        .send(
            "POST",
            "/_emulator/tokens",
            json!({ "user_id": seeds::GRACE_HOPPER, "session_id": sid }),
        )
        .await;
    assert_ne!(status, StatusCode::OK);

    for (method, path) in [
        ("GET", "/v1/sessions/sess_unknown"),
        ("POST", "/v1/sessions/sess_unknown/revoke"),
    ] {
        let (status, body) = test.backend_send(method, path, json!(null)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_of(&body).0, "resource_not_found");
    }
    let (status, _) = test.backend_send("GET", "/v1/sessions", json!(null)).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "user_id or client_id is required"
    );
}

#[tokio::test]
async fn sign_in_tokens_are_minted_and_revoked_in_clerks_shape() {
    let test = spawn().await;
    let (status, token) = test
        .backend_send(
            "POST",
            "/v1/sign_in_tokens",
            json!({ "user_id": seeds::ADA_LOVELACE, "expires_in_seconds": 600 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["object"], "sign_in_token");
    assert!(
        token["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("sit_"))
    );
    assert_eq!(token["user_id"], seeds::ADA_LOVELACE);
    assert_eq!(token["status"], "pending");
    let secret = token["token"].as_str().expect("token");
    assert_eq!(
        token["url"],
        format!("{}/sign-in?__clerk_ticket={secret}", test.base)
    );
    assert!(token["created_at"].is_i64() && token["updated_at"].is_i64());

    let path = format!(
        "/v1/sign_in_tokens/{}/revoke",
        token["id"].as_str().expect("id")
    );
    let (status, revoked) = test.backend_send("POST", &path, json!(null)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(revoked["status"], "revoked");
    let (status, body) = test.backend_send("POST", &path, json!(null)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body).0, "sign_in_token_cannot_be_revoked_code");

    // The default lifetime (30 days) applies without expires_in_seconds.
    let (status, _) = test
        .backend_send(
            "POST",
            "/v1/sign_in_tokens",
            json!({ "user_id": seeds::ALAN_TURING }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sign_in_tokens_are_refused_for_unknown_users_and_bad_lifetimes() {
    let test = spawn().await;
    let (status, body) = test
        .backend_send(
            "POST",
            "/v1/sign_in_tokens",
            json!({ "user_id": "user_nobody" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).0, "resource_not_found");
    let (status, body) = test
        .backend_send(
            "POST",
            "/v1/sign_in_tokens",
            json!({ "user_id": seeds::ADA_LOVELACE, "expires_in_seconds": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&body).1, Some("expires_in_seconds"));
    let (status, _) = test
        .backend_send("POST", "/v1/sign_in_tokens/sit_unknown/revoke", json!(null))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
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
