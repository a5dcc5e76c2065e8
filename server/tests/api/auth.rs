//! Session-token verification, rule by rule, through the real HTTP stack: a real PostgreSQL,
//! tokens minted by the test, and the JWKS served over HTTP by a mock of Clerk's Backend API.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::{
    clerk_mock::MockClerk,
    helpers::{TestApp, spawn_clerk_app},
    tokens::*,
};

async fn setup(pool: PgPool) -> (TestApp, MockClerk) {
    setup_with(pool, &[]).await
}

async fn setup_with(pool: PgPool, extra: &[(&str, &str)]) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_clerk_app(pool, &clerk, extra).await;
    (app, clerk)
}

async fn assert_accepted(response: reqwest::Response, clerk_id: &str) {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let profile: app::api::UserProfile = serde_json::from_str(&body).unwrap();
    assert_eq!(profile.clerk_id, clerk_id);
}

async fn assert_rejected(response: reqwest::Response, reason: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#,
        "the 401 marks a refused token"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(body["error"]["reason"], reason, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_valid_session_token_is_accepted(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let response = app.me(&Mint::session("user_ada").sign()).await;
    assert_accepted(response, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_token_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("iat", json!(now() - 120))
        .claim("nbf", json!(now() - 130))
        .claim("exp", json!(now() - 60))
        .sign();
    assert_rejected(app.me(&token).await, "token-expired").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_expired_by_two_seconds_is_inside_the_skew(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("iat", json!(now() - 62))
        .claim("exp", json!(now() - 2))
        .sign();
    assert_accepted(app.me(&token).await, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_not_valid_yet_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("nbf", json!(now() + 60))
        .sign();
    assert_rejected(app.me(&token).await, "token-not-active-yet").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_issued_in_the_future_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("iat", json!(now() + 60))
        .claim("exp", json!(now() + 120))
        .sign();
    assert_rejected(app.me(&token).await, "token-iat-in-the-future").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tampered_signature_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = tamper_signature(&Mint::session("user_ada").sign());
    assert_rejected(app.me(&token).await, "token-invalid-signature").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tampered_payload_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let mint = Mint::session("user_ada");
    let forged = mint.clone().claim("sub", json!("user_mallory")).claims;
    let token = tamper_payload(&mint.sign(), &forged);
    assert_rejected(app.me(&token).await, "token-invalid-signature").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_and_tampered_token_reports_the_signature(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let mint = Mint::session("user_ada").claim("exp", json!(now() - 600));
    let forged = mint.clone().claim("exp", json!(now() - 300)).claims;
    let token = tamper_payload(&mint.sign(), &forged);
    assert_rejected(app.me(&token).await, "token-invalid-signature").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_signed_by_another_key_under_our_kid_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada").signed_by(KEY_B).sign();
    assert_rejected(app.me(&token).await, "token-invalid-signature").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unknown_kid_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .header("kid", json!("key-nobody-knows"))
        .signed_by(KEY_B)
        .sign();
    assert_rejected(app.me(&token).await, "jwk-kid-mismatch").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unknown_kid_refetches_the_jwks_and_finds_a_rotated_key(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    assert_eq!(clerk.jwks_calls(), 1);
    // Clerk rotates: key B joins the set.
    clerk.set_jwks(vec![jwk(KEY_A_PUB, "key-a"), jwk(KEY_B_PUB, "key-b")]);
    // The cool-down since the first fetch (2 s) must pass before an unknown kid may refetch.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let rotated = Mint::session("user_bob")
        .header("kid", json!("key-b"))
        .signed_by(KEY_B)
        .sign();
    assert_accepted(app.me(&rotated).await, "user_bob").await;
    assert_eq!(clerk.jwks_calls(), 2, "exactly one refetch");
    // The old key still works from the new set, without another fetch.
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    assert_eq!(clerk.jwks_calls(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_flood_of_random_kids_is_not_a_flood_of_jwks_fetches(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    let requests = (0..200).map(|i| {
        let token = Mint::session("user_ada")
            .header("kid", json!(format!("random-{i}")))
            .sign();
        let app = &app;
        async move { app.me(&token).await.status() }
    });
    let statuses = futures::future::join_all(requests).await;
    // Those that waited longer than a moment for the one fetch answered 503.
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(clerk.jwks_calls(), 1, "200 unknown kids, one fetch");
    // A second wave within the cool-down fetches nothing at all.
    for i in 0..50 {
        let token = Mint::session("user_ada")
            .header("kid", json!(format!("again-{i}")))
            .sign();
        assert_rejected(app.me(&token).await, "jwk-kid-mismatch").await;
    }
    assert_eq!(clerk.jwks_calls(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failing_jwks_endpoint_keeps_the_last_good_keys(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    clerk.fail_with(500);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // An unknown kid triggers a fetch that fails; the known key keeps working.
    let unknown = Mint::session("user_ada")
        .header("kid", json!("key-x"))
        .sign();
    app.me(&unknown).await;
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unknown_kid_while_the_jwks_endpoint_fails_is_an_outage_not_a_sign_out(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    clerk.fail_with(500);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Perhaps Clerk rotated its keys: with the JWKS unreachable nobody can tell, and a 401
    // would sign the browser out.
    let rotated = Mint::session("user_ada")
        .header("kid", json!("key-b"))
        .signed_by(KEY_B)
        .sign();
    for _ in 0..3 {
        let response = app.me(&rotated).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get("www-authenticate").is_none());
    }
    // Once the endpoint answers again, an unknown kid is unknown.
    clerk.fail_with(0);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_rejected(app.me(&rotated).await, "jwk-kid-mismatch").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_do_not_queue_behind_a_jwks_fetch_in_flight(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // The JWKS endpoint now holds every answer until the test lets go.
    let hold = clerk.state.gate.write().await;
    let unknown = |kid: &str| {
        Mint::session("user_ada")
            .header("kid", json!(kid))
            .signed_by(KEY_B)
            .sign()
    };
    let (client, url, first) = (app.client.clone(), app.url("/api/me"), unknown("key-1"));
    let fetching = tokio::spawn(async move {
        client
            .get(url)
            .bearer_auth(first)
            .send()
            .await
            .unwrap()
            .status()
    });
    for _ in 0..500 {
        if clerk.jwks_calls() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        clerk.jwks_calls(),
        2,
        "the first unknown kid started a fetch"
    );
    // Another unknown kid is answered while that fetch is still held open.
    let response = app.me(&unknown("key-2")).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(!fetching.is_finished(), "the fetch is still in flight");
    // A known kid never waits either.
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    assert!(!fetching.is_finished());
    drop(hold);
    assert_eq!(fetching.await.unwrap(), StatusCode::UNAUTHORIZED);
    assert_eq!(clerk.jwks_calls(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_that_hangs_up_mid_fetch_does_not_cancel_the_jwks_fetch(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    assert_accepted(app.me(&Mint::session("user_ada").sign()).await, "user_ada").await;
    // Clerk rotates; the cool-down passes, so the next unknown kid fetches.
    clerk.set_jwks(vec![jwk(KEY_A_PUB, "key-a"), jwk(KEY_B_PUB, "key-b")]);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let hold = clerk.state.gate.write().await;
    let rotated = Mint::session("user_bob")
        .header("kid", json!("key-b"))
        .signed_by(KEY_B)
        .sign();
    let (client, url, token) = (app.client.clone(), app.url("/api/me"), rotated.clone());
    let hung_up = tokio::spawn(async move { client.get(url).bearer_auth(token).send().await });
    for _ in 0..500 {
        if clerk.jwks_calls() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(clerk.jwks_calls(), 2, "the unknown kid started a fetch");
    // The client goes away mid-fetch: its request future is dropped, its socket closed.
    hung_up.abort();
    assert!(hung_up.await.is_err_and(|e| e.is_cancelled()));
    // Time for the server to see the closed socket and drop that request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(hold);
    // Still inside the cool-down: only the fetch that request started can bring key B.
    assert_accepted(app.me(&rotated).await, "user_bob").await;
    assert_eq!(clerk.jwks_calls(), 2, "no second fetch was needed");
}

#[sqlx::test(migrations = "../migrations")]
async fn with_no_reachable_jwks_the_answer_is_503_not_401(pool: PgPool) {
    let (app, clerk) = setup(pool).await;
    clerk.fail_with(503);
    let response = app.me(&Mint::session("user_ada").sign()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().get("www-authenticate").is_none());
}

#[sqlx::test(migrations = "../migrations")]
async fn alg_none_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada").unsigned();
    assert_rejected(app.me(&token).await, "token-invalid-algorithm").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn hs256_signed_with_the_public_key_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    // The classic key-confusion attack: HMAC keyed with the RSA public key's PEM.
    let token = Mint::session("user_ada")
        .header("alg", json!("HS256"))
        .signed_by(KEY_A_PUB)
        .sign();
    assert_rejected(app.me(&token).await, "token-invalid-algorithm").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn other_rsa_algorithms_are_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    for alg in [Algorithm::RS512, Algorithm::RS384, Algorithm::PS256] {
        let mint = Mint::session("user_ada").header("alg", json!(format!("{alg:?}")));
        assert_rejected(app.me(&mint.sign_as(alg)).await, "token-invalid-algorithm").await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn authorized_parties_require_a_listed_azp(pool: PgPool) {
    let (app, _) = setup_with(
        pool,
        &[(
            "CLERK_AUTHORIZED_PARTIES",
            "http://127.0.0.1:3000,https://app.example.com",
        )],
    )
    .await;
    let listed = Mint::session("user_ada").sign();
    assert_accepted(app.me(&listed).await, "user_ada").await;
    let other = Mint::session("user_ada")
        .claim("azp", json!("https://evil.example"))
        .sign();
    assert_rejected(app.me(&other).await, "token-invalid-authorized-parties").await;
    let missing = Mint::session("user_ada").without_claim("azp").sign();
    assert_rejected(app.me(&missing).await, "token-invalid-authorized-parties").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn without_authorized_parties_azp_is_not_checked(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada").without_claim("azp").sign();
    assert_accepted(app.me(&token).await, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn another_instances_issuer_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("iss", json!("https://someone-else.clerk.accounts.dev"))
        .sign();
    assert_rejected(app.me(&token).await, "token-invalid-issuer").await;
    let missing = Mint::session("user_ada").without_claim("iss").sign();
    assert_rejected(app.me(&missing).await, "token-invalid-issuer").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn template_and_machine_tokens_are_not_session_tokens(pool: PgPool) {
    let (app, _) = setup(pool).await;
    for cat in [TEMPLATE_CAT, MACHINE_CAT] {
        let token = Mint::session("user_ada")
            .header("cat", json!(cat))
            .without_claim("sid")
            .sign();
        assert_rejected(app.me(&token).await, "token-type-mismatch").await;
    }
    // Older Clerk tokens have no category at all: still session tokens.
    let legacy = Mint::session("user_ada");
    let mut header = legacy.header.clone();
    header.as_object_mut().unwrap().remove("cat");
    let legacy = Mint { header, ..legacy }.sign();
    assert_accepted(app.me(&legacy).await, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_template_token_without_category_or_session_id_is_a_type_mismatch(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let template = Mint::session("user_ada").without_claim("sid");
    let mut header = template.header.clone();
    header.as_object_mut().unwrap().remove("cat");
    let template = Mint { header, ..template }.sign();
    assert_rejected(app.me(&template).await, "token-type-mismatch").await;
    // A session-category token without a session is not a session token either.
    let no_sid = Mint::session("user_ada").without_claim("sid").sign();
    assert_rejected(app.me(&no_sid).await, "token-type-mismatch").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_id_that_is_not_a_sess_id_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    for sid in [
        json!("user_ada"),
        json!("sess_"),
        json!("sess_a/b"),
        json!(""),
    ] {
        let token = Mint::session("user_ada").claim("sid", sid.clone()).sign();
        assert_rejected(app.me(&token).await, "token-verification-failed").await;
    }
    let token = Mint::session("user_ada").claim("sid", json!(7)).sign();
    assert_rejected(app.me(&token).await, "token-invalid").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn string_typed_time_claims_are_refused_not_skipped(pool: PgPool) {
    let (app, _) = setup(pool).await;
    for claim in ["exp", "nbf", "iat"] {
        // A far-past time as a string: a verifier that skipped it would accept the token.
        let token = Mint::session("user_ada").claim(claim, json!("1")).sign();
        assert_rejected(app.me(&token).await, "token-invalid").await;
        let token = Mint::session("user_ada")
            .claim(claim, json!((now() + 60).to_string()))
            .sign();
        assert_rejected(app.me(&token).await, "token-invalid").await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_without_exp_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada").without_claim("exp").sign();
    assert_rejected(app.me(&token).await, "token-verification-failed").await;
    let token = Mint::session("user_ada").claim("exp", json!(null)).sign();
    assert_rejected(app.me(&token).await, "token-verification-failed").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pending_session_counts_as_signed_out(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("sts", json!("pending"))
        .sign();
    assert_rejected(app.me(&token).await, "session-pending").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_subject_that_is_not_a_clerk_user_id_is_refused(pool: PgPool) {
    let (app, _) = setup(pool).await;
    for sub in [json!("org_123"), json!(42), json!(null)] {
        let token = Mint::session("user_ada").claim("sub", sub).sign();
        assert_rejected(app.me(&token).await, "token-verification-failed").await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn garbage_is_a_malformed_token(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let valid = Mint::session("user_ada").sign();
    let four_parts = format!("{valid}.extra");
    let not_json = format!("bm90IGpzb24.{}", valid.split_once('.').unwrap().1);
    for garbage in [
        "garbage",
        "a.b",
        "a.b.c",
        "...",
        four_parts.as_str(),
        not_json.as_str(),
    ] {
        assert_rejected(app.me(garbage).await, "token-invalid").await;
    }
    let wrong_typ = Mint::session("user_ada")
        .header("typ", json!("at+jwt"))
        .sign();
    assert_rejected(app.me(&wrong_typ).await, "token-invalid").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_empty_bearer_is_a_malformed_token(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let response = app
        .client
        .get(app.url("/api/me"))
        .header("authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    assert_rejected(response, "token-invalid").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bare_token_without_scheme_is_accepted(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let response = app
        .client
        .get(app.url("/api/me"))
        .header("authorization", Mint::session("user_ada").sign())
        .send()
        .await
        .unwrap();
    assert_accepted(response, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_session_cookie_alone_is_accepted(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let response = app
        .client
        .get(app.url("/api/me"))
        .header(
            "cookie",
            format!(
                "__session={}; __client_uat={}",
                Mint::session("user_ada").sign(),
                now() - 30
            ),
        )
        .send()
        .await
        .unwrap();
    assert_accepted(response, "user_ada").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_cookie_without_client_uat_is_signed_out(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada").sign();
    for cookie in [
        format!("__session={token}"),
        format!("__session={token}; __client_uat=0"),
        format!("__session={token}; __client_uat=garbage"),
    ] {
        let response = app
            .client
            .get(app.url("/api/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cookie}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "signed-out", "{cookie}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_header_wins_over_the_cookie(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let cookie = format!("__session={}", Mint::session("user_cookie").sign());
    let response = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth(Mint::session("user_header").sign())
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_accepted(response, "user_header").await;
    // Even a bad header is not rescued by a good cookie.
    let response = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth("not-a-token")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_rejected(response, "token-invalid").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cookie_older_than_the_last_sign_in_is_stale(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let token = Mint::session("user_ada")
        .claim("iat", json!(now() - 30))
        .sign();
    let response = app
        .client
        .get(app.url("/api/me"))
        .header(
            "cookie",
            format!("__session={token}; __client_uat={}", now() - 5),
        )
        .send()
        .await
        .unwrap();
    assert_rejected(response, "token-expired").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn no_token_is_anonymous_and_needs_sign_in(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let response = app.get("/api/me").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // No `error=`: nothing was refused, so a client must not refresh and retry.
    assert!(
        response
            .headers()
            .get("www-authenticate")
            .is_none_or(|v| !v.to_str().unwrap().contains("invalid_token"))
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "signed-out");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_load_with_an_expired_cookie_renders_signed_out(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let expired = Mint::session("user_ada")
        .claim("iat", json!(now() - 120))
        .claim("exp", json!(now() - 60))
        .sign();
    let response = app
        .client
        .get(app.url("/"))
        .header(
            "cookie",
            format!("__session={expired}; __client_uat={}", now() - 120),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("Sign in with Clerk. Get a real local user."));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_networkless_jwt_key_verifies_without_any_fetch(pool: PgPool) {
    let clerk = MockClerk::start(vec![]).await;
    let app = spawn_clerk_app(pool, &clerk, &[("CLERK_JWT_KEY", KEY_A_PUB)]).await;
    let token = Mint::session("user_ada")
        .header("kid", json!("any-kid"))
        .sign();
    assert_accepted(app.me(&token).await, "user_ada").await;
    let wrong = Mint::session("user_ada").signed_by(KEY_B).sign();
    assert_rejected(app.me(&wrong).await, "token-invalid-signature").await;
    assert_eq!(clerk.jwks_calls(), 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_remembered_token_is_refused_once_it_expires(pool: PgPool) {
    let (app, _) = setup(pool).await;
    // Inside the 5 s skew now, outside it a second later.
    let token = Mint::session("user_ada")
        .claim("iat", json!(now() - 60))
        .claim("exp", json!(now() - 4))
        .sign();
    assert_accepted(app.me(&token).await, "user_ada").await;
    assert_accepted(app.me(&token).await, "user_ada").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_rejected(app.me(&token).await, "token-expired").await;
}
