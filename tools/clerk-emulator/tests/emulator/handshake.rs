//! `GET /v1/client/handshake`: the redirect back with Clerk's signed payload of cookie
//! directives, for a signed-in browser, a signed-out one, and the failing-handshake setting.

use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::helpers::{TestEmulator, now_secs, raw_header, sign_in, spawn};

struct Back {
    status: StatusCode,
    location: url::Url,
}

async fn handshake(test: &TestEmulator, client: Option<&str>, redirect_url: &str) -> Back {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = http
        .get(test.url("/v1/client/handshake"))
        .query(&[("redirect_url", redirect_url), ("suffixed_cookies", "true")]);
    if let Some(client) = client {
        request = request.header("cookie", format!("__client={client}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| url::Url::parse(v.to_str().unwrap()).unwrap())
        .unwrap_or_else(|| url::Url::parse("http://none.invalid/").unwrap());
    Back { status, location }
}

fn payload_of(back: &Back) -> String {
    back.location
        .query_pairs()
        .find(|(k, _)| k == "__clerk_handshake")
        .map(|(_, v)| v.into_owned())
        .expect("__clerk_handshake in the redirect")
}

fn directives(claims: &Value) -> Vec<String> {
    claims["handshake"]
        .as_array()
        .expect("handshake array")
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect()
}

fn cookie<'a>(directives: &'a [String], name: &str) -> Option<&'a str> {
    directives.iter().find_map(|d| {
        d.split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v)
    })
}

/// Checked with the JWKS an app uses: the instance key, the issuer, not expired.
async fn verified_payload(test: &TestEmulator, jwt: &str) -> Value {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let kid = jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap();
    let jwks = test.jwks().await;
    let key = DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[test.base.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss"]);
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims
}

fn unverified_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_signed_in_browser_comes_back_with_a_signed_payload_holding_a_fresh_token() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let page = format!("{}/dashboard?tab=1", test.origin);

    let back = handshake(&test, Some(&client), &page).await;

    assert_eq!(back.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(back.location.path(), "/dashboard");
    assert!(
        back.location
            .query()
            .unwrap()
            .starts_with("tab=1&__clerk_handshake=")
    );
    let payload = payload_of(&back);
    assert_eq!(raw_header(&payload)["cat"], "cl_B7d4PD111AAA");
    let claims = verified_payload(&test, &payload).await;
    assert_eq!(claims["iss"], test.base);
    assert!(claims["exp"].as_i64().unwrap() > now_secs());
    let directives = directives(&claims);
    let suffix = test.emulator.cookie_suffix().to_owned();
    let token = cookie(&directives, "__session").expect("__session directive");
    assert_eq!(
        cookie(&directives, &format!("__session_{suffix}")),
        Some(token)
    );
    let token_claims = test.verify(token, true).await.unwrap();
    assert_eq!(token_claims["sub"], seeds::ADA_LOVELACE);
    assert!(
        token_claims.get("azp").is_none(),
        "a navigation has no Origin: no azp"
    );
    let uat: i64 = cookie(&directives, "__client_uat")
        .unwrap()
        .parse()
        .unwrap();
    assert!(uat > 0);
    assert!(
        directives
            .iter()
            .all(|d| d.contains("Path=/") && d.contains("SameSite=Lax"))
    );
}

#[tokio::test]
async fn a_browser_without_a_client_comes_back_signed_out() {
    let test = spawn().await;

    let back = handshake(&test, None, &format!("{}/", test.origin)).await;

    assert_eq!(back.status, StatusCode::TEMPORARY_REDIRECT);
    let claims = unverified_claims(&payload_of(&back));
    let directives = directives(&claims);
    assert_eq!(cookie(&directives, "__client_uat"), Some("0"));
    assert_eq!(cookie(&directives, "__session"), Some(""));
    assert!(
        directives
            .iter()
            .any(|d| d.starts_with("__session=;") && d.contains("Max-Age=0"))
    );
}

#[tokio::test]
async fn a_redirect_url_on_another_origin_is_refused() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    for target in ["https://evil.example/", "javascript:alert(1)", ""] {
        let back = handshake(&test, Some(&client), target).await;
        assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY, "{target:?}");
    }
}

#[tokio::test]
async fn failing_handshakes_hand_out_expired_tokens_then_recover() {
    let test = spawn().await;
    let client = sign_in(&test, seeds::ADA_LOVELACE).await;
    let (status, _) = test
        .send(
            "PATCH",
            "/_emulator/settings",
            json!({"failing_handshakes": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = format!("{}/", test.origin);

    let first = handshake(&test, Some(&client), &page).await;
    let second = handshake(&test, Some(&client), &page).await;

    let token_of = |back: &Back| {
        let directives = directives(&unverified_claims(&payload_of(back)));
        cookie(&directives, "__session").unwrap().to_owned()
    };
    let failed = unverified_claims(&token_of(&first));
    assert!(
        failed["exp"].as_i64().unwrap() < now_secs(),
        "already expired"
    );
    assert!(
        test.verify(&token_of(&second), true).await.is_ok(),
        "recovered"
    );
}
