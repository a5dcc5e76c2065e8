use std::time::Duration;

use axum::http::StatusCode;
use clerk_emulator::{SESSION_TOKEN_CATEGORY, TEMPLATE_TOKEN_CATEGORY, TokenOptions, seeds};
use serde_json::{Value, json};

use crate::helpers::{KEY_B, now_secs, raw_header, spawn, spawn_with};

#[tokio::test]
async fn session_token_verifies_against_served_jwks_with_every_clerk_claim() {
    let test = spawn().await;
    let minted = test
        .mint(json!({ "user_id": seeds::ADA_LOVELACE, "azp": "http://localhost:3000" }))
        .await;
    let jwt = minted["jwt"].as_str().expect("jwt");

    let header = raw_header(jwt);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["cat"], SESSION_TOKEN_CATEGORY);
    let jwks = test.jwks().await;
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(
        header["kid"].as_str(),
        jwks.keys[0].common.key_id.as_deref()
    );

    let claims = test.verify(jwt, true).await.expect("verifies");
    let now = now_secs();
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((iat - now).abs() <= 2, "iat {iat} now {now}");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 60));
    assert_eq!(claims["nbf"].as_i64(), Some(iat - 10));
    assert_eq!(claims["sub"], seeds::ADA_LOVELACE);
    assert_eq!(claims["sid"], minted["session_id"]);
    assert!(
        claims["sid"]
            .as_str()
            .is_some_and(|s| s.starts_with("sess_"))
    );
    assert_eq!(claims["iss"], test.base.as_str());
    assert_eq!(claims["iss"], test.emulator.issuer().as_str());
    assert_eq!(claims["azp"], "http://localhost:3000");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    assert_eq!(claims["v"], 2);
    assert_eq!(claims["sts"], "active");
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["firstName"], "Ada");
    assert_eq!(claims["lastName"], "Lovelace");
    assert_eq!(
        claims["imageUrl"],
        format!("{}/avatars/{}.svg", test.base, seeds::ADA_LOVELACE).as_str()
    );
}

#[tokio::test]
async fn backend_jwks_matches_the_public_one_and_the_public_key_pem() {
    let test = spawn().await;
    let backend: Value = test.backend("/v1/jwks").await.json().await.expect("json");
    let public: Value = test
        .http
        .get(test.url("/.well-known/jwks.json"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    assert_eq!(backend, public);
    let key = &backend["keys"][0];
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");

    // CLERK_JWT_KEY mode: the PEM alone verifies a token, no JWKS involved.
    let jwt = test
        .emulator
        .mint_session_token(seeds::GRACE_HOPPER, TokenOptions::default())
        .await
        .expect("minted");
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(test.emulator.public_key_pem().as_bytes())
        .expect("pem");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[test.emulator.issuer()]);
    let data = jsonwebtoken::decode::<Value>(&jwt, &key, &validation).expect("verifies");
    assert_eq!(data.claims["sub"], seeds::GRACE_HOPPER);
}

#[tokio::test]
async fn template_token_has_template_category_no_sid_and_expanded_claims() {
    let test = spawn().await;
    let (status, _) = test
        .send(
            "PUT",
            "/_emulator/templates/api",
            json!({
                "claims": { "mail": "{{user.primary_email_address}}", "scope": "populatte", "sid": "forged" },
                "lifetime_secs": 120
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let minted = test
        .mint(json!({ "user_id": seeds::ADA_LOVELACE, "template": "api" }))
        .await;
    let jwt = minted["jwt"].as_str().expect("jwt");
    assert_eq!(raw_header(jwt)["cat"], TEMPLATE_TOKEN_CATEGORY);
    let mut claims = test.verify_template(jwt).await;
    assert_eq!(claims["sub"], seeds::ADA_LOVELACE);
    assert_eq!(claims["mail"], "ada@example.com");
    assert_eq!(claims["scope"], "populatte");
    assert_eq!(
        claims["exp"].as_i64(),
        claims["iat"].as_i64().map(|i| i + 120)
    );
    assert_eq!(
        claims["nbf"].as_i64(),
        claims["iat"].as_i64().map(|i| i - 10)
    );
    // A template cannot give its token a session id: template tokens never carry `sid`.
    assert!(claims.get("sid").is_none(), "{claims}");
    assert!(claims.get("sts").is_none() && claims.get("v").is_none());

    // An undefined template still mints, with the default claims only.
    let plain = test
        .mint(json!({ "user_id": seeds::ADA_LOVELACE, "template": "unknown" }))
        .await;
    claims = test
        .verify_template(plain["jwt"].as_str().expect("jwt"))
        .await;
    assert!(claims.get("sid").is_none(), "{claims}");
    assert!(claims.get("email").is_none(), "{claims}");
    assert_eq!(plain["session_id"], Value::Null);
}

impl crate::helpers::TestEmulator {
    async fn verify_template(&self, jwt: &str) -> Value {
        self.verify(jwt, true)
            .await
            .expect("template token verifies")
    }
}

#[tokio::test]
async fn omit_custom_claims_mode_leaves_them_out_and_can_be_toggled() {
    let test = spawn_with(|c| c.omit_custom_claims = true).await;
    let minted = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let claims = test
        .verify(minted["jwt"].as_str().expect("jwt"), true)
        .await
        .expect("verifies");
    for claim in ["email", "firstName", "lastName", "imageUrl"] {
        assert!(claims.get(claim).is_none(), "{claim} in {claims}");
    }
    assert_eq!(claims["sub"], seeds::ADA_LOVELACE);

    let (status, settings) = test
        .send(
            "PATCH",
            "/_emulator/settings",
            json!({ "omit_custom_claims": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["omit_custom_claims"], false);
    let minted = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let claims = test
        .verify(minted["jwt"].as_str().expect("jwt"), true)
        .await
        .expect("verifies");
    assert_eq!(claims["email"], "ada@example.com");
}

#[tokio::test]
async fn clock_offset_and_expiry_set_the_token_times() {
    let test = spawn().await;
    let (status, _) = test
        .send(
            "PATCH",
            "/_emulator/settings",
            json!({ "clock_offset_secs": -3600, "token_lifetime_secs": 30 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let minted = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let jwt = minted["jwt"].as_str().expect("jwt");
    assert!(
        test.verify(jwt, true)
            .await
            .is_err_and(|e| e.contains("Expired"))
    );
    let claims = test.verify(jwt, false).await.expect("signature fine");
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((iat - (now_secs() - 3600)).abs() <= 2, "iat {iat}");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 30));

    test.send(
        "PATCH",
        "/_emulator/settings",
        json!({ "clock_offset_secs": 0 }),
    )
    .await;
    let expired = test
        .mint(json!({ "user_id": seeds::ADA_LOVELACE, "expired": true, "lifetime_secs": 60 }))
        .await;
    let claims = test
        .verify(expired["jwt"].as_str().expect("jwt"), false)
        .await
        .expect("signature fine");
    let exp = claims["exp"].as_i64().expect("exp");
    assert!(exp <= now_secs() - 30, "exp {exp} is not 30 s in the past");
    assert_eq!(claims["iat"].as_i64(), Some(exp - 60));
    assert_eq!(claims["nbf"].as_i64(), Some(exp - 70));
    assert_eq!(expired["exp"].as_i64(), Some(exp));
}

#[tokio::test]
async fn rotation_signs_with_the_new_key_and_keeps_the_old_kid_for_the_grace_period() {
    let test = spawn().await;
    let before = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let old_kid = before["kid"].as_str().expect("kid").to_owned();

    let (status, rotation) = test
        .send(
            "POST",
            "/_emulator/keys/rotate",
            json!({ "grace_secs": 2, "private_key_pem": KEY_B }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotation}");
    assert_eq!(rotation["previous_kid"], old_kid.as_str());
    let new_kid = rotation["kid"].as_str().expect("kid").to_owned();
    assert_ne!(new_kid, old_kid);

    let after = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let after_jwt = after["jwt"].as_str().expect("jwt");
    assert_eq!(raw_header(after_jwt)["kid"], new_kid.as_str());
    let kids = |jwks: jsonwebtoken::jwk::JwkSet| -> Vec<String> {
        jwks.keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect()
    };
    assert_eq!(kids(test.jwks().await), [new_kid.clone(), old_kid.clone()]);
    test.verify(before["jwt"].as_str().expect("jwt"), true)
        .await
        .expect("old token verifies during grace");
    test.verify(after_jwt, true)
        .await
        .expect("new token verifies");
    assert!(test.emulator.public_key_pem().contains("BEGIN PUBLIC KEY"));

    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(kids(test.jwks().await), [new_kid]);
    assert!(
        test.verify(before["jwt"].as_str().expect("jwt"), true)
            .await
            .is_err_and(|e| e.contains("not served"))
    );
    // The new key was written to the key file, so a restart keeps it.
    let written = std::fs::read_to_string(test.dir.path().join("key.pem")).expect("key file");
    assert_ne!(written.trim(), crate::helpers::KEY_A.trim());
}

#[tokio::test]
async fn library_mint_respects_options_and_refuses_unknown_users() {
    let test = spawn().await;
    let jwt = test
        .emulator
        .mint_session_token(
            seeds::ALAN_TURING,
            TokenOptions {
                lifetime: Some(Duration::from_secs(5)),
                omit_custom_claims: Some(true),
                azp: Some("http://127.0.0.1:3000".into()),
                ..TokenOptions::default()
            },
        )
        .await
        .expect("minted");
    let claims = test.verify(&jwt, true).await.expect("verifies");
    assert_eq!(
        claims["exp"].as_i64(),
        claims["iat"].as_i64().map(|i| i + 5)
    );
    assert!(claims.get("email").is_none());
    assert_eq!(claims["azp"], "http://127.0.0.1:3000");

    let unknown = test
        .emulator
        .mint_session_token("user_nobody", TokenOptions::default())
        .await;
    assert!(matches!(
        unknown,
        Err(clerk_emulator::EmulatorError::UserNotFound(_))
    ));
    let (status, body) = test
        .send(
            "POST",
            "/_emulator/tokens",
            json!({ "user_id": "user_nobody" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errors"][0]["code"], "resource_not_found");
}

#[tokio::test]
async fn tokens_for_ended_sessions_are_refused() {
    let test = spawn().await;
    let minted = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let sid = minted["session_id"].as_str().expect("sid");
    let (status, session) = test
        .send(
            "POST",
            &format!("/_emulator/sessions/{sid}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(session["status"], "revoked");
    let (status, body) = test
        .send(
            "POST",
            "/_emulator/tokens",
            json!({ "user_id": seeds::ADA_LOVELACE, "session_id": sid }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = test
        .send("POST", "/_emulator/sessions/sess_unknown/end", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn profile_images_are_linked_from_the_configured_image_base() {
    let image_base = "https://app.example.test/__clerk";
    let test =
        spawn_with(|config| config.image_base_url = Some(image_base.parse().expect("url"))).await;
    let expected = format!("{image_base}/avatars/{}.svg", seeds::ADA_LOVELACE);

    let minted = test.mint(json!({ "user_id": seeds::ADA_LOVELACE })).await;
    let claims = test
        .verify(minted["jwt"].as_str().expect("jwt"), true)
        .await
        .expect("verifies");
    assert_eq!(claims["imageUrl"], expected.as_str());
    // The issuer stays the base URL: only the images move.
    assert_eq!(claims["iss"], test.base.as_str());

    let user: Value = test
        .backend(&format!("/v1/users/{}", seeds::ADA_LOVELACE))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(user["image_url"], expected.as_str());
    // The image is still served where it always was, under the emulator's own base.
    let avatar = test
        .http
        .get(test.url(&format!("/avatars/{}.svg", seeds::ADA_LOVELACE)))
        .send()
        .await
        .expect("avatar");
    assert_eq!(avatar.status(), StatusCode::OK);
}
