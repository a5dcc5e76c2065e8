use axum::http::StatusCode;

use super::changes::MAX_SESSIONS;
use super::*;
use crate::core::password::PasswordRule;
use crate::error::ClerkApiError;

fn ada() -> NewUser {
    NewUser {
        email_address: "ada@example.com".into(),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        ..NewUser::default()
    }
}

#[test]
fn deleted_ids_are_never_reused_and_sessions_are_revoked() {
    let mut data = StateData::default();
    let mut new = ada();
    new.id = Some("user_fixed1".into());
    data.create_user(new.clone(), 1).expect("created");
    let client = data.create_client(2);
    let session = data
        .start_session(&client.id, "user_fixed1", 2)
        .expect("signed in");
    data.delete_user("user_fixed1", 3).expect("deleted");
    assert_eq!(
        data.session(&session.id).expect("kept").status,
        SessionStatus::Revoked
    );
    assert_eq!(
        data.user("user_fixed1"),
        Err(StoreError::UserDeleted("user_fixed1".into()))
    );
    assert!(matches!(
        data.create_user(new, 4),
        Err(StoreError::Conflict(_))
    ));
}

#[test]
fn signing_in_again_replaces_the_clients_session() {
    let mut data = StateData::default();
    data.seed(1);
    let client = data.create_client(2);
    let first = data
        .start_session(&client.id, SEEDS[0].id, 2)
        .expect("first");
    let second = data
        .start_session(&client.id, SEEDS[1].id, 3)
        .expect("second");
    let same = data
        .client_by_cookie(&client.cookie)
        .expect("client")
        .clone();
    assert_eq!(
        data.session(&first.id).expect("first").status,
        SessionStatus::Ended
    );
    assert_eq!(same.session_id.as_deref(), Some(second.id.as_str()));
}

#[test]
fn updated_at_strictly_increases() {
    let mut data = StateData::default();
    let StoreEvent::Created(user) = data.create_user(ada(), 10).expect("created") else {
        panic!("not a created event")
    };
    let patch = UserPatch {
        first_name: Some(Some("Augusta".into())),
        ..UserPatch::default()
    };
    let StoreEvent::Updated(updated) = data.update_user(&user.id, patch, 10).expect("updated")
    else {
        panic!("not an updated event")
    };
    assert_eq!(updated.updated_at, 11);
    assert_eq!(updated.first_name.as_deref(), Some("Augusta"));
}

#[test]
fn email_validation_explains_itself() {
    assert_eq!(
        validate_email("  a@b.co "),
        Ok::<_, &str>("a@b.co".to_owned())
    );
    assert!(validate_email("").is_err());
    assert!(validate_email("no-at.example.com").is_err());
    assert!(validate_email("a@localhost").is_err());
    assert!(validate_email("a b@c.de").is_err());
}

#[test]
fn emails_are_unique_ignoring_case_as_clerks_form_identifier_exists() {
    let mut data = StateData::default();
    data.create_user(ada(), 1).expect("first");
    let mut again = ada();
    again.email_address = "Ada@Example.com".into();
    let error = data.create_user(again, 2).expect_err("refused");
    assert_eq!(error, StoreError::EmailTaken("Ada@Example.com".into()));
    let api = ClerkApiError::from(error);
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.code, "form_identifier_exists");
    assert_eq!(api.param_name.as_deref(), Some("email_address"));
}

#[test]
fn a_password_is_stored_hashed_and_verified() {
    let mut data = StateData::default();
    let mut new = ada();
    new.password = Some("correct-horse".into());
    let StoreEvent::Created(user) = data.create_user(new, 1).expect("created") else {
        panic!("not a created event")
    };
    assert!(user.password_enabled());
    assert_eq!(user.clerk_json("http://x.y")["password_enabled"], true);
    let stored = serde_json::to_string(&data).expect("json");
    assert!(!stored.contains("correct-horse"), "{stored}");
    assert_eq!(data.verify_password(&user.id, "correct-horse"), Ok(()));
    assert_eq!(
        data.verify_password(&user.id, "wrong-horse"),
        Err(StoreError::PasswordIncorrect)
    );
    assert_eq!(
        data.verify_password("user_nobody", "correct-horse"),
        Err(StoreError::UserNotFound("user_nobody".into()))
    );
}

#[test]
fn a_user_without_a_password_cannot_sign_in_with_one() {
    let mut data = StateData::default();
    let StoreEvent::Created(user) = data.create_user(ada(), 1).expect("created") else {
        panic!("not a created event")
    };
    assert!(!user.password_enabled());
    assert_eq!(user.clerk_json("http://x.y")["password_enabled"], false);
    assert_eq!(
        data.verify_password(&user.id, "anything-at-all"),
        Err(StoreError::PasswordNotSet(user.id.clone()))
    );
}

#[test]
fn a_short_or_breached_password_is_refused_with_clerks_code() {
    let mut data = StateData::default();
    let mut new = ada();
    new.password = Some("short".into());
    let error = data.create_user(new.clone(), 1).expect_err("refused");
    assert_eq!(error, StoreError::Password(PasswordRule::TooShort));
    let api = ClerkApiError::from(error);
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.code, "form_password_length_too_short");
    assert_eq!(api.param_name.as_deref(), Some("password"));
    assert!(api.long_message.contains('8'), "{}", api.long_message);

    new.password = Some("password1".into());
    assert_eq!(
        data.create_user(new.clone(), 1).err(),
        Some(StoreError::Password(PasswordRule::Breached))
    );
    new.skip_password_checks = true;
    data.create_user(new, 1)
        .expect("the breach check is skipped");
    assert_eq!(data.users.len(), 1);
}

#[test]
fn a_password_can_be_set_by_an_update_and_old_one_stops_working() {
    let mut data = StateData::default();
    let mut new = ada();
    new.password = Some("first-password".into());
    let StoreEvent::Created(user) = data.create_user(new, 1).expect("created") else {
        panic!("not a created event")
    };
    let patch = UserPatch {
        password: Some("short".into()),
        ..UserPatch::default()
    };
    assert_eq!(
        data.update_user(&user.id, patch, 2).err(),
        Some(StoreError::Password(PasswordRule::TooShort))
    );
    let patch = UserPatch {
        password: Some("second-password".into()),
        ..UserPatch::default()
    };
    data.update_user(&user.id, patch, 3).expect("updated");
    assert_eq!(data.verify_password(&user.id, "second-password"), Ok(()));
    assert_eq!(
        data.verify_password(&user.id, "first-password"),
        Err(StoreError::PasswordIncorrect)
    );
    // An update without a password keeps the one there is.
    let patch = UserPatch {
        first_name: Some(Some("Augusta".into())),
        ..UserPatch::default()
    };
    data.update_user(&user.id, patch, 4).expect("updated");
    assert_eq!(data.verify_password(&user.id, "second-password"), Ok(()));
}

#[test]
fn users_are_found_by_email_ignoring_case() {
    let mut data = StateData::default();
    data.seed(1);
    assert_eq!(
        data.user_by_email(" ADA@example.com")
            .map(|u| u.id.as_str()),
        Some(SEEDS[0].id)
    );
    assert!(data.user_by_email("nobody@example.com").is_none());
}

#[test]
fn seeded_users_sign_in_with_their_published_passwords() {
    let mut data = StateData::default();
    data.seed(1);
    for seed in SEEDS {
        assert_eq!(data.verify_password(seed.id, seed.password), Ok(()));
        assert!(seed.password.len() >= 8);
    }
}

#[test]
fn passwords_and_sign_in_tokens_survive_the_state_file() {
    let mut data = StateData::default();
    data.seed(1);
    let minted = data
        .create_sign_in_token(SEEDS[1].id, 60, 1)
        .expect("minted");
    let text = serde_json::to_string(&data).expect("json");
    let mut back: StateData = serde_json::from_str(&text).expect("parsed");
    assert_eq!(back.verify_password(SEEDS[0].id, SEEDS[0].password), Ok(()));
    assert_eq!(
        back.consume_sign_in_token(&minted.token, 2).as_deref(),
        Ok(SEEDS[1].id)
    );
}

#[test]
fn a_state_file_from_before_passwords_still_loads() {
    let old = r#"{"users":[{"id":"user_old1","email_address_id":"idn_1",
        "email_address":"old@example.com","first_name":null,"last_name":null,
        "image_url":null,"created_at":1,"updated_at":1}]}"#;
    let data: StateData = serde_json::from_str(old).expect("parsed");
    assert!(!data.users[0].password_enabled());
    assert!(data.sign_in_tokens.is_empty());
}

#[test]
fn debug_output_never_shows_a_password() {
    let mut new = ada();
    new.password = Some("secret-words".into());
    let patch = UserPatch {
        password: Some("secret-words".into()),
        ..UserPatch::default()
    };
    let shown = format!("{new:?} {patch:?}");
    assert!(!shown.contains("secret-words"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn sessions_are_bounded() {
    let mut data = StateData::default();
    data.seed(1);
    for i in 0..(MAX_SESSIONS + 10) {
        data.create_session(SEEDS[0].id, None, i as i64)
            .expect("session");
    }
    assert_eq!(data.sessions.len(), MAX_SESSIONS);
}
