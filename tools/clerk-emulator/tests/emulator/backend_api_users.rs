//! The Backend API's users, as `@clerk/backend` creates, lists, updates and deletes them.

use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::backend_api::{create_user, error_of};
use crate::helpers::spawn;

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
