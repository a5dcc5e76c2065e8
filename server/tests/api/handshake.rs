//! Clerk's handshake, the server's half, rule by rule: which requests are sent to the
//! Frontend API, how a returned payload is checked and applied, the redirect limit, and what
//! the cookie path accepts for tokens without `azp`.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    clerk_mock::MockClerk,
    helpers::{TestApp, spawn_clerk_app},
    tokens::*,
};

const HANDSHAKE_URL: &str = "https://populatte-test.clerk.accounts.dev/v1/client/handshake";

async fn setup(pool: PgPool, extra: &[(&str, &str)]) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_clerk_app(pool, &clerk, extra).await;
    (app, clerk)
}

/// The tests' publishable key is a development one (`pk_test_`): clerk-js keeps its
/// dev-browser token in this cookie, and the handshake must carry it.
const DEV_BROWSER: &str = "__clerk_db_jwt=dvb_test";

/// A browser navigating to `path` with `cookie` (and clerk-js's dev-browser token).
async fn navigate(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    let cookie = match cookie {
        "" => DEV_BROWSER.to_owned(),
        cookie => format!("{cookie}; {DEV_BROWSER}"),
    };
    navigate_with(app, path, &cookie).await
}

async fn navigate_with(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-mode", "navigate")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn expired_session(sub: &str) -> String {
    let now = now();
    Mint::session(sub)
        .claim("iat", json!(now - 180))
        .claim("nbf", json!(now - 190))
        .claim("exp", json!(now - 120))
        .sign()
}

/// Clerk's handshake payload: `{"handshake": [Set-Cookie…]}` signed by the instance key.
fn payload(directives: &[String]) -> Mint {
    let now = now();
    Mint {
        header: json!({"alg": "RS256", "typ": "JWT", "kid": "key-a", "cat": SESSION_CAT}),
        claims: json!({"handshake": directives, "iss": issuer(), "iat": now, "exp": now + 60}),
        key: KEY_A,
    }
}

fn directives_for(token: &str, uat: i64) -> Vec<String> {
    vec![
        format!("__session={token}; Path=/; SameSite=Lax; Max-Age=60"),
        format!("__client_uat={uat}; Path=/; SameSite=Lax; Max-Age=31536000"),
    ]
}

fn coming_back(path: &str, payload: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(payload.as_bytes()).collect();
    format!("{path}__clerk_handshake={encoded}")
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_cookie_on_a_navigation_is_sent_to_the_frontend_api_handshake(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        expired_session("user_ada"),
        now() - 180
    );

    let response = navigate(&app, "/dashboard?tab=1", &cookie).await;

    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let target = url::Url::parse(&location(&response)).unwrap();
    assert!(target.as_str().starts_with(HANDSHAKE_URL), "{target}");
    let redirect_url = target
        .query_pairs()
        .find(|(k, _)| k == "redirect_url")
        .map(|(_, v)| v.into_owned());
    assert_eq!(redirect_url, Some(app.url("/dashboard?tab=1")));
    assert!(
        target
            .query_pairs()
            .any(|(k, v)| k == "__clerk_db_jwt" && v == "dvb_test"),
        "a development instance's handshake carries the dev-browser token: {target}"
    );
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let cookies = set_cookies(&response);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__clerk_redirect_count=1;") && c.contains("Max-Age=2")),
        "{cookies:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_in_client_uat_without_a_session_cookie_is_sent_to_the_handshake(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;

    let response = navigate(&app, "/", &format!("__client_uat={}", now() - 5)).await;

    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(location(&response).starts_with(HANDSHAKE_URL));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_development_instance_without_a_dev_browser_token_skips_the_handshake(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        expired_session("user_ada"),
        now() - 180
    );

    let response = navigate_with(&app, "/", &cookie).await;

    assert_eq!(
        response.status(),
        StatusCode::OK,
        "clerk-js refreshes the cookie instead"
    );
    assert!(set_cookies(&response).is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_out_browser_is_not_sent_to_the_handshake(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    for cookie in ["", "__client_uat=0", "theme=dark"] {
        let response = navigate(&app, "/", cookie).await;
        assert_eq!(response.status(), StatusCode::OK, "{cookie:?}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn fetch_and_api_requests_never_get_the_handshake_redirect(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        expired_session("user_ada"),
        now() - 180
    );

    let api = app
        .client
        .get(app.url("/api/me"))
        .header("sec-fetch-dest", "document")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);

    let fetched = app
        .client
        .get(app.url("/"))
        .header("sec-fetch-dest", "empty")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);

    let no_html = app
        .client
        .get(app.url("/"))
        .header(header::ACCEPT, "*/*")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(no_html.status(), StatusCode::OK);

    let post = app
        .client
        .post(app.url("/"))
        .header("sec-fetch-dest", "document")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_ne!(post.status(), StatusCode::TEMPORARY_REDIRECT);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_valid_handshake_sets_its_cookies_and_returns_to_the_clean_url(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    let fresh = Mint::session("user_ada").without_claim("azp").sign();
    let uat = now() - 30;
    let jwt = payload(&directives_for(&fresh, uat)).sign();

    let response = navigate(&app, &coming_back("/dashboard?tab=1&", &jwt), "").await;

    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(location(&response), "/dashboard?tab=1");
    let cookies = set_cookies(&response);
    assert!(cookies.contains(&format!(
        "__session={fresh}; Path=/; SameSite=Lax; Max-Age=60"
    )));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("__client_uat={uat};")))
    );

    // The next request carries them: signed in on the server's first paint.
    let page = navigate(
        &app,
        "/dashboard?tab=1",
        &format!("__session={fresh}; __client_uat={uat}"),
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Ada Lovelace"),
        "the profile is in the first paint"
    );
    assert!(!html.contains("Checking your session"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_handshake_payload_that_fails_verification_sets_nothing(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    let fresh = Mint::session("user_ada").sign();
    let directives = directives_for(&fresh, now());
    let now = now();
    let refused = [
        (
            "bad signature",
            payload(&directives).signed_by(KEY_B).sign(),
        ),
        (
            "tampered",
            tamper_payload(
                &payload(&directives).sign(),
                &json!({"handshake": ["__session=forged; Path=/"], "iss": issuer()}),
            ),
        ),
        (
            "expired",
            payload(&directives).claim("exp", json!(now - 60)).sign(),
        ),
        (
            "wrong issuer",
            payload(&directives)
                .claim("iss", json!("https://other-instance.clerk.accounts.dev"))
                .sign(),
        ),
        (
            "template category",
            payload(&directives)
                .header("cat", json!(TEMPLATE_CAT))
                .sign(),
        ),
        (
            "HS256",
            payload(&directives).header("alg", json!("HS256")).sign(),
        ),
        ("not a JWT", "garbage".to_owned()),
        ("no directives", {
            let mut mint = payload(&directives);
            mint.claims.as_object_mut().unwrap().remove("handshake");
            mint.sign()
        }),
    ];
    for (what, jwt) in refused {
        let response = navigate(&app, &coming_back("/dashboard?", &jwt), "").await;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT, "{what}");
        assert_eq!(location(&response), "/dashboard", "{what}");
        assert!(set_cookies(&response).is_empty(), "{what}: nothing is set");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn only_clerks_session_cookies_from_a_handshake_are_applied(pool: PgPool) {
    let (app, _clerk) = setup(pool, &[]).await;
    let mut directives = directives_for(&Mint::session("user_ada").sign(), now());
    directives.push("admin=1; Path=/".into());
    directives.push("__session_othersuffix=x; Path=/".into());

    let response = navigate(&app, &coming_back("/?", &payload(&directives).sign()), "").await;

    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("__session=") || c.starts_with("__client_uat="))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_redirect_counter_stops_the_fourth_handshake_and_the_page_renders_signed_out(
    pool: PgPool,
) {
    let (app, _clerk) = setup(pool, &[]).await;
    let base = format!(
        "__session={}; __client_uat={}",
        expired_session("user_ada"),
        now() - 180
    );
    for count in 0..3 {
        let cookie = format!("{base}; __clerk_redirect_count={count}");
        let response = navigate(&app, "/", &cookie).await;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT, "{count}");
        let next = format!("__clerk_redirect_count={};", count + 1);
        assert!(set_cookies(&response).iter().any(|c| c.starts_with(&next)));
    }

    let response = navigate(&app, "/", &format!("{base}; __clerk_redirect_count=3")).await;

    assert_eq!(response.status(), StatusCode::OK, "no fourth handshake");
    let html = response.text().await.unwrap();
    assert!(!html.contains("Checking your session"));
    // Signed out: the state handed to the browser says so.
    assert!(html.contains("SignedOut"), "the page is painted signed out");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cookie_token_without_azp_is_accepted_and_a_header_one_is_not(pool: PgPool) {
    let parties = [("CLERK_AUTHORIZED_PARTIES", "http://127.0.0.1:3000")];
    let (app, _clerk) = setup(pool, &parties).await;
    let uat = now() - 5;
    let no_azp = Mint::session("user_ada").without_claim("azp").sign();

    let by_cookie = app
        .client
        .get(app.url("/api/me"))
        .header(
            header::COOKIE,
            format!("__session={no_azp}; __client_uat={uat}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_cookie.status(),
        StatusCode::OK,
        "what the handshake sets works"
    );

    let by_header = app.me(&no_azp).await;
    assert_eq!(by_header.status(), StatusCode::UNAUTHORIZED);
    let body: Value = by_header.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "token-invalid-authorized-parties");

    // A named origin must still be listed, cookie or not.
    let foreign = Mint::session("user_ada")
        .claim("azp", json!("https://evil.example"))
        .sign();
    let by_cookie = app
        .client
        .get(app.url("/api/me"))
        .header(
            header::COOKIE,
            format!("__session={foreign}; __client_uat={uat}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), StatusCode::UNAUTHORIZED);
}
