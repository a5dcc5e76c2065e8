use axum::http::StatusCode;
use clerk_emulator::{Emulator, EmulatorConfig, seeds};
use serde_json::json;

use crate::helpers::{TempDir, spawn_with};

#[tokio::test]
async fn users_and_deleted_ids_survive_a_restart_without_reseeding() {
    let dir = TempDir::new();
    let state = dir.path().join("nested").join("state.json");
    let created_id = {
        let state = state.clone();
        let test = spawn_with(move |c| c.state_file = Some(state)).await;
        let (status, user) = test
            .send(
                "POST",
                "/_emulator/users",
                json!({ "id": "user_keepme1", "email_address": "keep@example.com", "first_name": "Keep" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        let (status, _) = test
            .send(
                "DELETE",
                &format!("/_emulator/users/{}", seeds::ADA_LOVELACE),
                json!(null),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        user["id"].as_str().expect("id").to_owned()
    };
    assert_eq!(created_id, "user_keepme1");

    let state2 = state.clone();
    let test = spawn_with(move |c| c.state_file = Some(state2)).await;
    let (status, user) = test.get(&format!("/_emulator/users/{created_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["first_name"], "Keep");
    let (status, _) = test
        .get(&format!("/_emulator/users/{}", seeds::ADA_LOVELACE))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "deleted stays deleted, no reseed"
    );
    let (_, users) = test.get("/_emulator/users").await;
    assert_eq!(users["deleted_user_ids"], json!([seeds::ADA_LOVELACE]));
    let (status, body) = test
        .send(
            "POST",
            "/_emulator/users",
            json!({ "id": seeds::ADA_LOVELACE, "email_address": "ada2@example.com" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn a_corrupt_state_file_stops_start_up_instead_of_being_overwritten() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "{ not json").expect("write");
    let mut config = EmulatorConfig::new("http://127.0.0.1:9/__clerk".parse().expect("url"));
    config.key_file = Some(dir.path().join("key.pem"));
    std::fs::write(dir.path().join("key.pem"), crate::helpers::KEY_A).expect("key");
    config.state_file = Some(state.clone());
    let error = Emulator::start(config).await.err().expect("refused");
    assert!(error.to_string().contains("state.json"), "{error}");
    assert_eq!(std::fs::read_to_string(&state).expect("kept"), "{ not json");
}

/// The one test that pays for RSA key generation.
#[tokio::test]
async fn a_missing_key_file_is_generated_with_owner_only_permissions_and_reused() {
    let dir = TempDir::new();
    let key_file = dir.path().join("keys").join("deeper").join("signing.pem");
    let config = |key_file: &std::path::Path| {
        let mut config = EmulatorConfig::new("http://127.0.0.1:9".parse().expect("url"));
        config.key_file = Some(key_file.to_owned());
        config
    };
    let first = Emulator::start(config(&key_file)).await.expect("generated");
    let pem = std::fs::read_to_string(&key_file).expect("written");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let second = Emulator::start(config(&key_file)).await.expect("loaded");
    assert_eq!(first.public_key_pem(), second.public_key_pem());
    assert!(
        first
            .public_key_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    // 2048 bits: the modulus of an SPKI PEM of that size is about 400 base64 characters.
    assert!(first.public_key_pem().len() > 400);
}

#[tokio::test]
async fn config_errors_are_reported_not_panicked() {
    let mut config = EmulatorConfig::new("http://127.0.0.1:9".parse().expect("url"));
    config.secret_key = "sk_live_realkey".into();
    assert!(Emulator::start(config).await.is_err());
    let mut config = EmulatorConfig::new("ftp://127.0.0.1:9".parse().expect("url"));
    config.key_file = None;
    assert!(Emulator::start(config).await.is_err());
}
