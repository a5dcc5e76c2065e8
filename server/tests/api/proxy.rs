//! The Clerk Frontend API proxy (`CLERK_FRONTEND_API_PROXY=on`), asserted where it matters: at
//! a stand-in Frontend API that records what it receives, and at the browser's side.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode as AxumStatus, header as h},
    response::{IntoResponse, Response},
};
use reqwest::{StatusCode, header};
use serde_json::Value;
use sqlx::PgPool;

use crate::{
    clerk_mock::{self, MockClerk},
    helpers::{TestApp, spawn_clerk_app},
    tokens::*,
};

/// What the stand-in Frontend API received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path_and_query: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    }
}

#[derive(Clone, Default)]
struct Upstream {
    received: Arc<Mutex<Vec<Received>>>,
    /// Its own base URL, for absolute `Location`s.
    url: Arc<Mutex<String>>,
}

impl Upstream {
    async fn start() -> (Self, String) {
        let upstream = Self::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        *upstream.url.lock().unwrap() = url.clone();
        let app = Router::new().fallback(answer).with_state(upstream.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (upstream, url)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn only(&self) -> Received {
        let received = self.received();
        assert_eq!(received.len(), 1, "{received:#?}");
        received[0].clone()
    }
}

/// Records the request (once its body has arrived whole), then answers by path.
async fn answer(State(upstream): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return AxumStatus::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path().to_owned();
    upstream.received.lock().unwrap().push(Received {
        method: parts.method.to_string(),
        path_and_query: parts.uri.to_string(),
        headers: parts.headers,
        body: body.clone(),
    });
    let own = upstream.url.lock().unwrap().clone();
    match path.as_str() {
        "/v1/slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            AxumStatus::OK.into_response()
        }
        "/v1/echo" => (AxumStatus::OK, body).into_response(),
        "/v1/cookies" => Response::builder()
            .header(
                h::SET_COOKIE,
                "__client=abc.def; Path=/; HttpOnly; Secure; SameSite=Lax",
            )
            .header(
                h::SET_COOKIE,
                "__client_uat=1700000000; Path=/; Max-Age=315360000",
            )
            .header(h::SET_COOKIE, "__session=x.y.z; Path=/")
            .header(h::CONNECTION, "x-upstream-hop")
            .header("x-upstream-hop", "1")
            .header("keep-alive", "timeout=5")
            .header("proxy-authenticate", "Basic")
            .header("x-clerk-kept", "yes")
            .body(Body::from("{}"))
            .unwrap(),
        "/v1/redirect/absolute" => redirect(&format!("{own}/v1/client/handshake?a=1&b=2#frag")),
        "/v1/redirect/relative" => redirect("/v1/oauth_callback?code=c"),
        "/v1/redirect/foreign" => redirect("https://app.example.com/dashboard?__clerk_handshake=t"),
        _ => (
            [(h::CONTENT_TYPE, "application/json")],
            r#"{"response":"ok"}"#,
        )
            .into_response(),
    }
}

fn redirect(location: &str) -> Response {
    Response::builder()
        .status(AxumStatus::TEMPORARY_REDIRECT)
        .header(h::LOCATION, location)
        .body(Body::empty())
        .unwrap()
}

/// The app in Clerk mode with the proxy on, forwarding to `upstream`.
async fn proxied_app(pool: PgPool, upstream: &str, extra: &[(&str, &str)]) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let mut vars = vec![
        ("CLERK_FRONTEND_API_PROXY", "on"),
        ("CLERK_FRONTEND_API_URL", upstream),
    ];
    vars.extend_from_slice(extra);
    let app = spawn_clerk_app(pool, &clerk, &vars).await;
    (app, clerk)
}

fn host_of(url: &str) -> &str {
    url.trim_start_matches("http://")
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_frontend_api_gets_the_headers_clerks_proxy_sets(pool: PgPool) {
    let (upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(pool, &upstream_url, &[]).await;
    let cookie = "__client_uat=1700000000; __session=a.b.c; other=x";
    let response = app
        .client
        .get(app.url("/__clerk/v1/client?_clerk_js_version=6.40.0&__clerk_db_jwt=dvb_1"))
        .header(header::COOKIE, cookie)
        .header(header::CONNECTION, "keep-alive, x-client-hop")
        .header("x-client-hop", "1")
        .header("keep-alive", "timeout=5")
        .header("proxy-authorization", "Basic c2VjcmV0")
        .header("te", "trailers")
        .header("trailer", "x-checksum")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        // What a client says about itself or about Clerk is never believed.
        .header("x-forwarded-for", "203.0.113.9")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("x-real-ip", "203.0.113.10")
        .header("cf-connecting-ip", "203.0.113.11")
        .header("forwarded", "for=203.0.113.12")
        .header("clerk-secret-key", "sk_test_forged")
        .header("clerk-proxy-url", "https://evil.example/__clerk")
        .header("x-clerk-kept", "kept")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), r#"{"response":"ok"}"#);

    let got = upstream.only();
    assert_eq!(got.method, "GET");
    assert_eq!(
        got.path_and_query,
        "/v1/client?_clerk_js_version=6.40.0&__clerk_db_jwt=dvb_1"
    );
    let app_host = host_of(&app.address);
    assert_eq!(
        got.header("clerk-proxy-url"),
        Some(format!("http://{app_host}/__clerk"))
    );
    assert_eq!(
        got.header("clerk-secret-key").as_deref(),
        Some(clerk_mock::SECRET_KEY)
    );
    // The peer, which is no trusted proxy: the client's own claims are dropped.
    assert_eq!(got.header("x-forwarded-for").as_deref(), Some("127.0.0.1"));
    assert_eq!(got.header("x-forwarded-host").as_deref(), Some(app_host));
    assert_eq!(got.header("x-forwarded-proto").as_deref(), Some("http"));
    for dropped in ["x-real-ip", "cf-connecting-ip", "forwarded"] {
        assert_eq!(got.header(dropped), None, "{dropped}");
    }
    assert_eq!(got.header("host").as_deref(), Some(host_of(&upstream_url)));
    assert_eq!(got.header("accept-encoding").as_deref(), Some("identity"));
    assert_eq!(got.header("cookie").as_deref(), Some(cookie));
    assert_eq!(got.header("x-clerk-kept").as_deref(), Some("kept"));
    for hop in [
        "x-client-hop",
        "keep-alive",
        "proxy-authorization",
        "te",
        "trailer",
    ] {
        assert_eq!(got.header(hop), None, "{hop} was forwarded");
    }
    assert_ne!(
        got.header("connection").as_deref(),
        Some("keep-alive, x-client-hop")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn behind_a_trusted_proxy_the_public_origin_and_client_are_the_forwarded_ones(pool: PgPool) {
    let (upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(pool, &upstream_url, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let response = app
        .client
        .get(app.url("/__clerk/v1/redirect/absolute"))
        // What nginx in front writes: the client's own left-most entry is not the client.
        .header("x-forwarded-for", "192.0.2.1, 198.51.100.4")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "app.example.com")
        .send()
        .await
        .unwrap();
    let got = upstream.only();
    assert_eq!(
        got.header("clerk-proxy-url").as_deref(),
        Some("https://app.example.com/__clerk")
    );
    assert_eq!(
        got.header("x-forwarded-for").as_deref(),
        Some("198.51.100.4")
    );
    assert_eq!(
        got.header("x-forwarded-host").as_deref(),
        Some("app.example.com")
    );
    assert_eq!(got.header("x-forwarded-proto").as_deref(), Some("https"));
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        response.headers()[header::LOCATION],
        "https://app.example.com/__clerk/v1/client/handshake?a=1&b=2#frag"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn cookies_and_redirects_reach_the_browser_through_the_proxy(pool: PgPool) {
    let (_upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(pool, &upstream_url, &[]).await;
    let proxy = format!("{}/__clerk", app.address);

    let response = app.get("/__clerk/v1/cookies").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<&str> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        cookies,
        [
            "__client=abc.def; Path=/; HttpOnly; Secure; SameSite=Lax",
            "__client_uat=1700000000; Path=/; Max-Age=315360000",
            "__session=x.y.z; Path=/",
        ]
    );
    for hop in ["x-upstream-hop", "keep-alive", "proxy-authenticate"] {
        assert!(
            response.headers().get(hop).is_none(),
            "{hop} reached the browser"
        );
    }
    assert_eq!(response.headers()["x-clerk-kept"], "yes");

    let absolute = app.get("/__clerk/v1/redirect/absolute").await;
    assert_eq!(absolute.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        absolute.headers()[header::LOCATION].to_str().unwrap(),
        format!("{proxy}/v1/client/handshake?a=1&b=2#frag")
    );
    let relative = app.get("/__clerk/v1/redirect/relative").await;
    assert_eq!(
        relative.headers()[header::LOCATION].to_str().unwrap(),
        format!("{proxy}/v1/oauth_callback?code=c")
    );
    let foreign = app.get("/__clerk/v1/redirect/foreign").await;
    assert_eq!(
        foreign.headers()[header::LOCATION],
        "https://app.example.com/dashboard?__clerk_handshake=t"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn request_bodies_stream_through_intact(pool: PgPool) {
    let (upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(
        pool,
        &upstream_url,
        // The app's own limit is smaller than the proxy's: the proxy's decides on its path.
        &[
            ("REQUEST_BODY_LIMIT_BYTES", "1024"),
            ("CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES", "65536"),
        ],
    )
    .await;
    let form = format!("identifier=ada%40example.com&password={}", "p".repeat(3000));
    let response = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins?_method=POST"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let got = upstream.only();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path_and_query, "/v1/client/sign_ins?_method=POST");
    assert_eq!(got.body, form.as_bytes());
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );

    // A body of unknown length, sent in pieces, arrives whole and comes back whole.
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|i| Ok(vec![b'a' + i; 4096])).collect();
    let expected: Vec<u8> = pieces
        .iter()
        .flat_map(|p| p.as_ref().unwrap().clone())
        .collect();
    let echoed = app
        .client
        .post(app.url("/__clerk/v1/echo"))
        .body(reqwest::Body::wrap_stream(futures::stream::iter(pieces)))
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.status(), StatusCode::OK);
    assert_eq!(echoed.bytes().await.unwrap(), expected);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_over_the_limit_is_refused_and_nothing_is_forwarded(pool: PgPool) {
    let (upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(
        pool,
        &upstream_url,
        &[("CLERK_FRONTEND_API_PROXY_BODY_LIMIT_BYTES", "4096")],
    )
    .await;
    let declared = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .body(vec![b'x'; 4097])
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(declared).await, "proxy_request_too_large");

    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..4).map(|_| Ok(vec![b'y'; 2048])).collect();
    let streamed = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .body(reqwest::Body::wrap_stream(futures::stream::iter(pieces)))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(streamed).await, "proxy_request_too_large");
    assert!(upstream.received().is_empty(), "{:#?}", upstream.received());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_slow_upstream_answers_504_in_clerks_error_shape(pool: PgPool) {
    let (upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(
        pool,
        &upstream_url,
        // The app's own timeout is shorter and answers 408: the proxy's decides on its path.
        &[
            ("REQUEST_TIMEOUT_SECS", "1"),
            ("CLERK_FRONTEND_API_PROXY_TIMEOUT_SECS", "2"),
        ],
    )
    .await;
    // Generous: the proxy gives up after 2 s; this bound only keeps a broken proxy from
    // hanging the suite (the test client's own timeout is 10 s).
    let response = tokio::time::timeout(Duration::from_secs(9), app.get("/__clerk/v1/slow"))
        .await
        .expect("the proxy answered within its bound");
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(error_code(response).await, "proxy_request_timeout");
    assert_eq!(upstream.received().len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dead_upstream_answers_502_in_clerks_error_shape(pool: PgPool) {
    // A port that was just free and is closed now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (app, _clerk) = proxied_app(pool, &dead, &[]).await;
    let response = tokio::time::timeout(Duration::from_secs(9), app.get("/__clerk/v1/environment"))
        .await
        .expect("the proxy answered within its bound");
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "proxy_request_failed");
    assert!(body["errors"][0]["message"].is_string());
}

#[sqlx::test(migrations = "../migrations")]
async fn nothing_under_the_proxy_path_reaches_the_auth_layer(pool: PgPool) {
    let (upstream, upstream_url) = Upstream::start().await;
    // A mount path of its own: nothing the auth layer knows by name.
    let (app, _clerk) = proxied_app(
        pool,
        &upstream_url,
        &[
            ("CLERK_PROXY_URL", "/fapi"),
            ("CLERK_AUTHORIZED_PARTIES", "https://app.example.com"),
        ],
    )
    .await;
    let session = format!(
        "__session={}; __client_uat={}",
        Mint::session("user_ada").sign(),
        now() - 30
    );
    // A cookie-authenticated write from another site: the CSRF check would answer 403.
    let cookie_write = app
        .client
        .post(app.url("/fapi/v1/client/sessions/sess_1/tokens"))
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(cookie_write.status(), StatusCode::OK);
    // A cross-site write with a token the auth layer would refuse.
    let bearer_write = app
        .client
        .post(app.url("/fapi/v1/client/sessions/sess_1/touch"))
        .header(header::ORIGIN, "https://evil.example")
        .header(header::AUTHORIZATION, "Bearer not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer_write.status(), StatusCode::OK);
    // A document navigation signed in by `__client_uat` without a session token: the auth
    // layer would send it to the handshake (307).
    let navigation = app
        .client
        .get(app.url("/fapi/v1/client"))
        .header("sec-fetch-dest", "document")
        .header(header::ACCEPT, "text/html")
        .header(
            header::COOKIE,
            format!("__client_uat={}; __clerk_db_jwt=dvb_1", now() - 30),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(navigation.status(), StatusCode::OK);
    let received = upstream.received();
    assert_eq!(received.len(), 3);
    assert_eq!(
        received[0].header("cookie").as_deref(),
        Some(session.as_str())
    );
    assert_eq!(
        received[1].header("authorization").as_deref(),
        Some("Bearer not-a-token")
    );
    assert_eq!(
        received[1].header("origin").as_deref(),
        Some("https://evil.example")
    );
    assert_eq!(
        received[0].header("clerk-proxy-url"),
        Some(format!("{}/fapi", app.address))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_in_proxy_mode_loads_clerk_through_the_proxy_and_names_no_other_origin(
    pool: PgPool,
) {
    let (_upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(pool, &upstream_url, &[]).await;
    let page = app.get("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains("data-clerk-proxy-url=\"/__clerk\""), "{html}");
    assert!(
        html.contains("src=\"/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js\""),
        "{html}"
    );
    assert!(
        html.contains("data-clerk-ui-url=\"/__clerk/npm/@clerk/ui@1/dist/ui.browser.js\""),
        "{html}"
    );
    // Every source is a keyword ('self', a nonce…), `data:` or `blob:`: no origin, but for
    // profile images from Clerk's image CDN, which no Frontend API proxy carries.
    for directive in policy.split(';') {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap_or_default();
        for source in words {
            let clerk_images = name == "img-src" && source == "https://img.clerk.com";
            assert!(
                source.starts_with('\'') || source == "data:" || source == "blob:" || clerk_images,
                "{source} in {policy}"
            );
        }
    }
    assert!(!policy.contains(FRONTEND_API_HOST), "{policy}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_handshake_goes_through_the_proxy(pool: PgPool) {
    let (_upstream, upstream_url) = Upstream::start().await;
    let (app, _clerk) = proxied_app(pool, &upstream_url, &[]).await;
    let response = app
        .client
        .get(app.url("/dashboard"))
        .header("sec-fetch-dest", "document")
        .header(header::ACCEPT, "text/html")
        .header(
            header::COOKIE,
            format!("__client_uat={}; __clerk_db_jwt=dvb_1", now() - 30),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{}/__clerk/v1/client/handshake?", app.address)),
        "{location}"
    );
}
