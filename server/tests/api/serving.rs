//! The server behind a reverse proxy and on its own: forwarded headers believed only from
//! `TRUSTED_PROXIES`, HTTP/2 without `Host`, the header-read timeout, and a shutdown that
//! finishes the requests in flight.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use reqwest::{StatusCode, header};
use serde_json::json;
use sqlx::PgPool;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
};

use crate::{
    clerk_mock::{self, MockClerk},
    helpers::{ServerProcess, TestApp, spawn_app_with, test_config},
    tokens::*,
};

/// The app against a mock Clerk, with extra settings.
async fn clerk_app(pool: PgPool, extra: &[(&str, &str)]) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_app_with(pool, clerk_config(&clerk, extra)).await;
    (app, clerk)
}

fn clerk_config(clerk: &MockClerk, extra: &[(&str, &str)]) -> server::config::Config {
    let publishable_key = publishable_key();
    let mut vars = vec![
        ("CLERK_PUBLISHABLE_KEY", publishable_key.as_str()),
        ("CLERK_SECRET_KEY", clerk_mock::SECRET_KEY),
        ("CLERK_API_URL", clerk.url.as_str()),
    ];
    vars.extend_from_slice(extra);
    test_config(&vars)
}

fn session_cookie() -> String {
    format!(
        "__session={}; __client_uat={}",
        Mint::session("user_ada").sign(),
        now() - 30
    )
}

/// `POST /api/projects` authenticated by cookie only, as a browser page at `origin` sends it.
async fn cookie_write(
    app: &TestApp,
    origin: &str,
    forwarded: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/projects"))
        .header(header::COOKIE, session_cookie())
        .header(header::ORIGIN, origin)
        // A new name each time: one user's project names are unique.
        .json(&json!({"name": format!("Garden {}", uuid::Uuid::new_v4())}));
    for (name, value) in forwarded {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

const BEHIND_TLS: [(&str, &str); 3] = [
    ("x-forwarded-proto", "https"),
    ("x-forwarded-host", "app.example.com"),
    ("x-forwarded-for", "203.0.113.9"),
];

async fn hsts_on_healthz(app: &TestApp, forwarded: &[(&str, &str)]) -> bool {
    let mut request = app.client.get(app.url("/healthz"));
    for (name, value) in forwarded {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    response.headers().contains_key("strict-transport-security")
}

#[sqlx::test(migrations = "../migrations")]
async fn forwarded_headers_from_an_untrusted_peer_are_ignored(pool: PgPool) {
    // This test's client (127.0.0.1) is not a trusted proxy: only 10.0.0.0/8 is.
    let (app, _clerk) = clerk_app(pool, &[("TRUSTED_PROXIES", "10.0.0.0/8")]).await;

    assert!(
        !hsts_on_healthz(&app, &BEHIND_TLS).await,
        "no HSTS on the word of an untrusted peer"
    );
    let forged = cookie_write(&app, "https://app.example.com", &BEHIND_TLS).await;
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "the forwarded origin is not this site's origin"
    );
    let rfc7239 = [(
        "forwarded",
        "for=203.0.113.9;proto=https;host=app.example.com",
    )];
    let forged = cookie_write(&app, "https://app.example.com", &rfc7239).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // The request's own origin is what counts.
    let own = cookie_write(&app, &app.address, &BEHIND_TLS).await;
    assert_eq!(own.status(), StatusCode::CREATED);
}

#[sqlx::test(migrations = "../migrations")]
async fn forwarded_headers_from_a_trusted_proxy_are_used(pool: PgPool) {
    let (app, _clerk) = clerk_app(pool, &[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]).await;

    assert!(hsts_on_healthz(&app, &BEHIND_TLS).await);
    assert!(!hsts_on_healthz(&app, &[]).await, "plain http: no HSTS");
    let write = cookie_write(&app, "https://app.example.com", &BEHIND_TLS).await;
    assert_eq!(write.status(), StatusCode::CREATED);
    let rfc7239 = [(
        "forwarded",
        "for=203.0.113.9;proto=https;host=app.example.com",
    )];
    let write = cookie_write(&app, "https://app.example.com", &rfc7239).await;
    assert_eq!(write.status(), StatusCode::CREATED);
    // Behind the proxy, the request's own origin is no longer the browser's.
    let internal = cookie_write(&app, &app.address, &BEHIND_TLS).await;
    assert_eq!(internal.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_client_address_in_the_request_span_is_the_right_most_untrusted_hop() {
    // No database is needed for /healthz; port 1 refuses at once.
    let server = ServerProcess::start(&[
        ("DATABASE_URL", "postgres://populatte@127.0.0.1:1/populatte"),
        ("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
        ("RUST_LOG", "info"),
    ])
    .await;
    let response = reqwest::Client::new()
        .get(server.url("/healthz"))
        // The client forged the first entry; the edge proxy (10.0.0.3) saw 203.0.113.9.
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.0.0.3")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.signal("TERM");
    let stdout = server.stdout.clone();
    let (status, _) = server.exit().await;
    assert!(status.success());
    let log = stdout.lock().unwrap().clone();
    let line = log
        .iter()
        .find(|line| line.contains("/healthz"))
        .unwrap_or_else(|| panic!("no log line for the request: {log:?}"));
    assert!(line.contains("client=203.0.113.9"), "{line}");
}

/// One request over HTTP/2 with prior knowledge, on a fresh connection. Like a browser's,
/// it has `:authority` and no `Host` header.
async fn h2_request(address: &str, request: hyper::Request<Full<Bytes>>) -> hyper::Response<Bytes> {
    let stream = TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    assert!(!request.headers().contains_key(header::HOST));
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), hyper::Version::HTTP_2);
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    hyper::Response::from_parts(parts, body)
}

#[sqlx::test(migrations = "../migrations")]
async fn an_http2_request_without_host_passes_csrf_and_gets_its_handshake(pool: PgPool) {
    let (app, _clerk) = clerk_app(pool.clone(), &[]).await;

    let write = hyper::Request::post(app.url("/api/projects"))
        .header(header::COOKIE, session_cookie())
        .header(header::ORIGIN, &app.address)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from_static(br#"{"name":"Garden"}"#)))
        .unwrap();
    let response = h2_request(&app.address, write).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{response:?}");
    let foreign = hyper::Request::post(app.url("/api/projects"))
        .header(header::COOKIE, session_cookie())
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from_static(br#"{"name":"Stolen"}"#)))
        .unwrap();
    let response = h2_request(&app.address, foreign).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let expired = Mint::session("user_ada")
        .claim("iat", json!(now() - 180))
        .claim("nbf", json!(now() - 190))
        .claim("exp", json!(now() - 120))
        .sign();
    let navigation = hyper::Request::get(app.url("/dashboard?tab=1"))
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-mode", "navigate")
        .header(header::ACCEPT, "text/html")
        .header(
            header::COOKIE,
            format!(
                "__session={expired}; __client_uat={}; __clerk_db_jwt=dvb_test",
                now() - 180
            ),
        )
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = h2_request(&app.address, navigation).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let target = url::Url::parse(response.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    let return_url = target
        .query_pairs()
        .find(|(name, _)| name == "redirect_url")
        .map(|(_, value)| value.into_owned());
    assert_eq!(return_url, Some(app.url("/dashboard?tab=1")));
}

/// Waits until the server closes `stream` (end of stream or a reset), at most `bound`.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buffer = [0_u8; 1024];
    tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                // An answer (a 408, say) may come first; the close is what counts.
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// Far beyond the configured 1 s: a timer that never fires fails, a slow machine does not.
const CLOSE_BOUND: Duration = Duration::from_secs(15);

#[sqlx::test(migrations = "../migrations")]
async fn a_connection_that_sends_half_a_request_head_is_closed_within_the_timeout(pool: PgPool) {
    let app = spawn_app_with(pool, test_config(&[("HTTP_HEADER_READ_TIMEOUT_SECS", "1")])).await;
    let address = app.address.trim_start_matches("http://").to_owned();

    let mut half_head = TcpStream::connect(&address).await.unwrap();
    half_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(&address).await.unwrap();
    let mut half_preface = TcpStream::connect(&address).await.unwrap();
    half_preface.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();

    assert!(
        closed_within(&mut half_head, CLOSE_BOUND).await,
        "half a head"
    );
    assert!(
        closed_within(&mut silent, CLOSE_BOUND).await,
        "nothing sent"
    );
    assert!(
        closed_within(&mut half_preface, CLOSE_BOUND).await,
        "half the HTTP/2 preface"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_kept_alive_connection_that_sends_half_its_next_head_is_closed_within_the_timeout(
    pool: PgPool,
) {
    let app = spawn_app_with(pool, test_config(&[("HTTP_HEADER_READ_TIMEOUT_SECS", "1")])).await;
    let mut stream = TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 1024];
    while !String::from_utf8_lossy(&answer).contains("{\"status\":\"ok\"}") {
        let read = tokio::time::timeout(CLOSE_BOUND, stream.read(&mut buffer))
            .await
            .expect("the first request is answered")
            .unwrap();
        assert_ne!(read, 0, "the connection stays open after the first answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    assert!(closed_within(&mut stream, CLOSE_BOUND).await);
}

#[sqlx::test(migrations = "../migrations")]
async fn shutdown_finishes_a_slow_request_in_flight_and_refuses_new_connections(pool: PgPool) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = server::startup::Application::build_with_pool(clerk_config(&clerk, &[]), pool)
        .await
        .unwrap();
    let address = app.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        stopped.await.ok();
    }));

    // A request whose body arrives slowly: half of it now, the rest after shutdown began.
    let body = br#"{"name":"Slow garden"}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let mut slow = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/projects HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        Mint::session("user_ada").sign(),
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(first).await.unwrap();
    // The server has the request once its handler waits for the body; a moment is enough
    // for that, and the assertions below do not depend on it (a request not yet read when
    // shutdown begins is finished the same way).
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if TcpStream::connect(address).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(refused.is_ok(), "new connections are refused once stopping");
    assert!(!server.is_finished(), "the server waits for the request");

    slow.write_all(rest).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(15), slow.read_to_string(&mut answer))
        .await
        .expect("the answer comes and the connection closes")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");
    assert!(answer.contains("Slow garden"), "{answer}");
    tokio::time::timeout(Duration::from_secs(15), server)
        .await
        .expect("the server stops once the request is done")
        .unwrap()
        .unwrap();
}
