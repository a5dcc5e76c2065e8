//! The Backend API's sessions and sign-in tokens, as `@clerk/backend` reads, revokes and mints
//! them.

use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::json;

use crate::backend_api::error_of;
use crate::helpers::spawn;

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
