use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Receiver, json_of, spawn_with, verify_svix, webhook};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn svix_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("svix-id")
        .and_then(|v| v.to_str().ok())
        .expect("svix-id")
        .to_owned()
}

#[tokio::test]
async fn user_changes_arrive_signed_in_order_with_clerks_envelope() {
    let (receiver, url) = Receiver::start(Vec::new()).await;
    let test = spawn_with(|c| {
        c.seed_users = false;
        c.webhook = Some(webhook(url, SECRET));
    })
    .await;
    assert_eq!(test.emulator.webhook_signing_secret(), Some(SECRET));

    let (status, user) = test
        .send(
            "POST",
            "/_emulator/users",
            json!({ "email_address": "kat@example.com", "first_name": "Katherine", "last_name": "Johnson" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("user_2"));
    for name in ["Kate", "Katie", "Katherine G."] {
        let (status, _) = test
            .send(
                "PATCH",
                &format!("/_emulator/users/{id}"),
                json!({ "first_name": name }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = test
        .send("DELETE", &format!("/_emulator/users/{id}"), json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);

    let received = receiver.wait_for(5, Duration::from_secs(10)).await;
    let mut types = Vec::new();
    let mut last_timestamp = 0;
    for (headers, body) in &received {
        verify_svix(SECRET, body, headers).expect("svix signature verifies");
        assert!(svix_id(headers).starts_with("msg_"));
        let ts: i64 = headers["svix-timestamp"]
            .to_str()
            .expect("ts")
            .parse()
            .expect("secs");
        assert!(ts < 10_000_000_000, "svix-timestamp is in seconds");
        assert!(
            headers["svix-signature"]
                .to_str()
                .expect("sig")
                .starts_with("v1,")
        );

        let event = json_of(body);
        assert_eq!(event["object"], "event");
        assert_eq!(event["instance_id"], "ins_2clerkEmulator0000000000");
        let timestamp = event["timestamp"].as_i64().expect("ms");
        assert!(timestamp > 1_600_000_000_000 && timestamp >= last_timestamp);
        last_timestamp = timestamp;
        types.push(event["type"].as_str().expect("type").to_owned());
        if event["type"] == "user.deleted" {
            assert_eq!(
                event["data"],
                json!({ "object": "user", "id": id, "deleted": true })
            );
        } else {
            assert_eq!(event["data"]["id"], id.as_str());
            assert_eq!(event["data"]["object"], "user");
            assert_eq!(
                event["data"]["email_addresses"][0]["email_address"],
                "kat@example.com"
            );
        }
    }
    assert_eq!(
        types,
        [
            "user.created",
            "user.updated",
            "user.updated",
            "user.updated",
            "user.deleted"
        ]
    );
    let names: Vec<Value> = received[1..4]
        .iter()
        .map(|(_, body)| json_of(body)["data"]["first_name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("Kate"), json!("Katie"), json!("Katherine G.")]
    );
    // Tampering is caught by the same verifier (the test can fail).
    let (headers, body) = &received[0];
    assert!(verify_svix(SECRET, &body.replace("kat@", "eve@"), headers).is_err());
}

#[tokio::test]
async fn failed_delivery_is_retried_with_the_same_svix_id_and_logged() {
    let (receiver, url) = Receiver::start(vec![StatusCode::INTERNAL_SERVER_ERROR]).await;
    let test = spawn_with(|c| {
        c.seed_users = false;
        c.webhook = Some(webhook(url, SECRET));
    })
    .await;
    let (status, user) = test
        .send(
            "POST",
            "/_emulator/users",
            json!({ "email": "retry@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let received = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(svix_id(&received[0].0), svix_id(&received[1].0));
    assert_eq!(received[0].1, received[1].1, "same body on retry");
    verify_svix(SECRET, &received[1].1, &received[1].0).expect("retry verifies");

    let mut log = Value::Null;
    for _ in 0..100 {
        (_, log) = test.get("/_emulator/webhooks/deliveries").await;
        if log["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["status"], "delivered", "{log}");
    assert_eq!(delivery["event_type"], "user.created");
    assert_eq!(delivery["user_id"], user["id"]);
    assert_eq!(
        delivery["svix_id"].as_str(),
        Some(svix_id(&received[0].0).as_str())
    );
    let attempts = delivery["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status"], 500);
    assert_eq!(attempts[1]["status"], 204);
    let first = attempts[0]["at"].as_i64().expect("at");
    let second = attempts[1]["at"].as_i64().expect("at");
    assert!(
        second - first >= 900,
        "retried after about a second, not {} ms",
        second - first
    );
    assert_eq!(receiver.count(), 2);
}

#[tokio::test]
async fn events_without_a_webhook_url_are_logged_as_not_sent() {
    let test = spawn_with(|c| c.webhook = None).await;
    let (_, log) = test.get("/_emulator/webhooks/deliveries").await;
    let deliveries = log["deliveries"].as_array().expect("deliveries");
    // The three seeded users.
    assert_eq!(deliveries.len(), 3, "{log}");
    assert!(deliveries.iter().all(|d| d["status"] == "not_sent"));
    assert!(deliveries.iter().all(|d| d["event_type"] == "user.created"));
    assert_eq!(log["webhook_url"], Value::Null);
}

#[tokio::test]
async fn backend_api_user_changes_send_webhooks_without_the_password() {
    let (receiver, url) = Receiver::start(Vec::new()).await;
    let test = spawn_with(|c| {
        c.seed_users = false;
        c.webhook = Some(webhook(url, SECRET));
    })
    .await;
    let (status, user) = test
        .backend_send(
            "POST",
            "/v1/users",
            json!({ "email_address": ["dorothy@example.com"], "password": "dorothy-vaughan-1910" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    let path = format!("/v1/users/{}", user["id"].as_str().expect("id"));
    test.backend_send("PATCH", &path, json!({ "first_name": "Dorothy" }))
        .await;
    test.backend_send("DELETE", &path, json!(null)).await;

    let received = receiver.wait_for(3, Duration::from_secs(10)).await;
    let events: Vec<Value> = received.iter().map(|(_, body)| json_of(body)).collect();
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types, ["user.created", "user.updated", "user.deleted"]);
    assert_eq!(events[0]["data"]["password_enabled"], true);
    assert_eq!(events[1]["data"]["first_name"], "Dorothy");
    for (_, body) in &received {
        assert!(!body.contains("dorothy-vaughan-1910"), "{body}");
    }
}
