use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{spawn_app, spawn_app_with, test_config};

#[sqlx::test(migrations = "../migrations")]
async fn landing_page_is_rendered_on_the_server(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Sign in with Clerk. Get a real local user."),
        "{html}"
    );
    assert!(html.contains("/pkg/populatte.css"));
    assert!(
        html.contains("/pkg/populatte.js"),
        "hydration script is linked"
    );
    assert!(
        !html.contains("https://"),
        "no external scripts, styles or fonts"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_pages_answer_404_html(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_api_paths_answer_the_json_error_shape(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.get("/api/no-such-thing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: app::api::ErrorEnvelope = response.json().await.unwrap();
    assert_eq!(body.error.code, "not_found");
    assert!(!body.error.message.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_a_request_id_and_keeps_a_given_one(pool: PgPool) {
    let app = spawn_app(pool).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "req-from-proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "req-from-proxy-42");
}

#[sqlx::test(migrations = "../migrations")]
async fn request_bodies_over_the_limit_are_refused(pool: PgPool) {
    let config = test_config(&[("REQUEST_BODY_LIMIT_BYTES", "2048")]);
    let app = spawn_app_with(pool, config).await;
    let small = app
        .client
        .post(app.url("/api/echo"))
        .body(vec![b'a'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), StatusCode::NOT_FOUND);
    let large = app
        .client
        .post(app.url("/api/echo"))
        .body(vec![b'a'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_error_shape(large, "payload_too_large").await;
}

async fn assert_error_shape(response: reqwest::Response, code: &str) {
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: app::api::ErrorEnvelope = response.json().await.unwrap();
    assert_eq!(body.error.code, code);
    assert!(!body.error.message.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_over_the_limit_without_a_length_is_413_in_the_json_shape(pool: PgPool) {
    let config = test_config(&[("REQUEST_BODY_LIMIT_BYTES", "2048")]);
    let app = spawn_app_with(pool, config).await;
    // Chunked, so only reading the body finds out it is too large; the webhook handler
    // reads its body before anything else.
    let request = format!(
        "POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         1000\r\n{}\r\n0\r\n\r\n",
        "a".repeat(4096)
    );
    let (status, body) = raw_exchange(&app.address, request.as_bytes()).await;
    assert_eq!(status, 413, "{body}");
    let body: app::api::ErrorEnvelope = serde_json::from_str(&body).unwrap();
    assert_eq!(body.error.code, "payload_too_large");
}

/// Sends `request` on a fresh connection and reads one answer: status and body.
async fn raw_exchange(address: &str, request: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    // Read until the server closes or a whole answer with its declared length is in.
    loop {
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(15), stream.read(&mut buffer))
                .await
                .expect("the server answers")
                .unwrap();
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_request_that_times_out_is_408_in_the_json_shape(pool: PgPool) {
    let config = test_config(&[("REQUEST_TIMEOUT_SECS", "1")]);
    let app = spawn_app_with(pool, config).await;
    // A body that never finishes arriving keeps the webhook handler waiting for it.
    let request = b"POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
        Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\":";
    let (status, body) = raw_exchange(&app.address, request).await;
    assert_eq!(status, 408, "{body}");
    let body: app::api::ErrorEnvelope = serde_json::from_str(&body).unwrap();
    assert_eq!(body.error.code, "request_timeout");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_method_the_route_does_not_have_is_405_in_the_json_shape(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = app.client.delete(app.url("/api/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key("allow"));
    assert_error_shape(response, "method_not_allowed").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_api_paths_under_every_method_answer_json(pool: PgPool) {
    let app = spawn_app(pool).await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .client
            .request(method.clone(), app.url("/api/no/such/route"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        assert_error_shape(response, "not_found").await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn extractor_rejections_answer_the_json_shape(pool: PgPool) {
    let app = spawn_app(pool).await;
    // A webhook body that is not JSON, and a server function's body that is not JSON.
    let response = app
        .client
        .post(app.url("/api/webhooks/clerk"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error() || response.status().is_server_error());
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let response = app
        .client
        .post(app.url("/api/fn/projects/create"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let _: app::api::ErrorEnvelope = response.json().await.unwrap();
}

fn csp(response: &reqwest::Response) -> String {
    response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned()
}

fn directive(policy: &str, name: &str) -> Vec<String> {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
        .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_page_has_a_csp_whose_nonce_is_on_every_inline_script(pool: PgPool) {
    let app = spawn_app(pool).await;
    let first = app.get("/").await;
    let policy = csp(&first);
    let scripts = directive(&policy, "script-src");
    assert!(!scripts.contains(&"'unsafe-inline'".to_owned()), "{policy}");
    assert_eq!(directive(&policy, "frame-ancestors"), ["'none'"]);
    let nonce = scripts
        .iter()
        .find_map(|s| {
            s.strip_prefix("'nonce-")?
                .strip_suffix('\'')
                .map(str::to_owned)
        })
        .expect("a nonce");
    let html = first.text().await.unwrap();
    let inline: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap_or_default())
        .filter(|attributes| !attributes.contains("src="))
        .collect();
    assert!(!inline.is_empty(), "the hydration script is inline");
    for attributes in inline {
        assert!(
            attributes.contains(&format!("nonce=\"{nonce}\"")),
            "{attributes}"
        );
    }
    // A nonce is used once.
    let second = csp(&app.get("/").await);
    assert_ne!(second, policy);
    // The not-found page is a page too.
    let missing = app.get("/no/such/page").await;
    assert!(directive(&csp(&missing), "script-src").len() >= 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn with_real_keys_the_csp_allows_the_frontend_api_host(pool: PgPool) {
    let clerk = crate::clerk_mock::MockClerk::start(vec![]).await;
    let app = crate::helpers::spawn_clerk_app(pool, &clerk, &[]).await;
    let policy = csp(&app.get("/").await);
    let host = format!("https://{}", crate::tokens::FRONTEND_API_HOST);
    assert!(directive(&policy, "script-src").contains(&host), "{policy}");
    assert!(
        directive(&policy, "connect-src").contains(&host),
        "{policy}"
    );
    assert!(
        !policy.contains("127.0.0.1"),
        "nothing but 'self' and Clerk: {policy}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_answer_carries_the_security_headers(pool: PgPool) {
    let app = spawn_app(pool).await;
    for path in ["/", "/healthz", "/api/me", "/api/no-such-thing"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(csp(&response).contains("frame-ancestors 'none'"), "{path}");
        assert!(
            headers.get("strict-transport-security").is_none(),
            "plain http: no HSTS ({path})"
        );
    }
    let api = csp(&app.get("/api/me").await);
    assert!(api.starts_with("default-src 'none'"), "{api}");
}

#[sqlx::test(migrations = "../migrations")]
async fn hsts_is_sent_when_a_trusted_proxy_reports_https(pool: PgPool) {
    let app = spawn_app_with(pool, test_config(&[("TRUSTED_PROXIES", "127.0.0.1")])).await;
    let behind_tls = app
        .client
        .get(app.url("/healthz"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        behind_tls.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}
