//! Spawns an emulator on 127.0.0.1:0, mounted under `/__clerk` as the app mounts it, and
//! offers the small HTTP and JWT helpers the tests share.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_emulator::{Emulator, EmulatorConfig, WebhookTarget};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

pub(crate) const SECRET_KEY: &str = "sk_test_emulatortestsecret0000000000000000";
pub(crate) const KEY_A: &str = include_str!("../fixtures/test-only-key-a.pem");
pub(crate) const KEY_B: &str = include_str!("../fixtures/test-only-key-b.pem");

/// A directory removed when dropped.
pub(crate) struct TempDir(pub PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "clerk-emulator-test-{}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) struct TestEmulator {
    pub emulator: Emulator,
    /// `http://127.0.0.1:<port>`
    pub origin: String,
    /// `http://127.0.0.1:<port>/__clerk`
    pub base: String,
    pub http: reqwest::Client,
    pub dir: TempDir,
}

/// Options for [`spawn_with`]; the key file is a copy of fixture key A unless `key_file` says
/// otherwise (a copy, because rotation writes the new key to it).
pub(crate) fn config_for(origin: &str, dir: &TempDir) -> EmulatorConfig {
    let key_file = dir.path().join("key.pem");
    std::fs::write(&key_file, KEY_A).expect("key copy");
    let mut config = EmulatorConfig::new(format!("{origin}/__clerk").parse().expect("url"));
    config.key_file = Some(key_file);
    config.secret_key = SECRET_KEY.to_owned();
    config
}

pub(crate) async fn spawn() -> TestEmulator {
    spawn_with(|_| {}).await
}

pub(crate) async fn spawn_with(configure: impl FnOnce(&mut EmulatorConfig)) -> TestEmulator {
    spawn_app(configure, Router::new()).await
}

/// The emulator under `/__clerk` beside the given app routes, on one origin, as in the app.
pub(crate) async fn spawn_app(
    configure: impl FnOnce(&mut EmulatorConfig),
    app_routes: Router,
) -> TestEmulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let dir = TempDir::new();
    let mut config = config_for(&origin, &dir);
    configure(&mut config);
    let emulator = Emulator::start(config).await.expect("emulator starts");
    let app = app_routes.nest_service("/__clerk", emulator.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestEmulator {
        emulator,
        base: format!("{origin}/__clerk"),
        origin,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        dir,
    }
}

impl TestEmulator {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn send(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = self
            .http
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `GET {path}` on the Backend API with the secret key.
    pub(crate) async fn backend(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .expect("backend request")
    }

    /// `{method} {path}` on the Backend API with the secret key and a JSON body (none when
    /// `body` is null); the status and the JSON answer.
    pub(crate) async fn backend_send(
        &self,
        method: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(SECRET_KEY);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.expect("backend request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A token from the control API.
    pub(crate) async fn mint(&self, body: Value) -> Value {
        let (status, minted) = self.send("POST", "/_emulator/tokens", body).await;
        assert_eq!(status, StatusCode::OK, "{minted}");
        minted
    }

    pub(crate) async fn jwks(&self) -> JwkSet {
        self.http
            .get(self.url("/.well-known/jwks.json"))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("jwks json")
    }

    /// Verifies like an independent verifier: the key from the JWKS served over HTTP,
    /// RS256 only, the issuer checked, expiry checked unless `check_exp` is false.
    pub(crate) async fn verify(&self, jwt: &str, check_exp: bool) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(jwt).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let jwks = self.jwks().await;
        let jwk = jwks.find(&kid).ok_or(format!("kid {kid} not served"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[self.base.as_str()]);
        validation.validate_exp = check_exp;
        validation.validate_nbf = check_exp;
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        jsonwebtoken::decode::<Value>(jwt, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| e.to_string())
    }
}

/// The JOSE header as JSON, including fields jsonwebtoken's `Header` has no room for (`cat`).
pub(crate) fn raw_header(jwt: &str) -> Value {
    let first = jwt.split('.').next().expect("segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(first).expect("base64")).expect("json")
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// Values of every `Set-Cookie` header.
pub(crate) fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// `name=value` of a cookie among `Set-Cookie` headers.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    set_cookies(headers).iter().find_map(|c| {
        c.split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
    })
}

/// Signs in as a browser running clerk-js would, with a sign-in token from the sign-in
/// page's endpoint (the `ticket` strategy); returns the `__client` cookie value.
pub(crate) async fn sign_in(test: &TestEmulator, user_id: &str) -> String {
    let ticket: Value = test
        .http
        .post(test.url("/sign-in/ticket"))
        .header("origin", &test.origin)
        .json(&serde_json::json!({ "user_id": user_id }))
        .send()
        .await
        .expect("ticket")
        .json()
        .await
        .expect("ticket json");
    let response = test
        .http
        .post(test.url("/v1/client/sign_ins"))
        .header("origin", &test.origin)
        .form(&[
            ("strategy", "ticket"),
            ("ticket", ticket["ticket"].as_str().expect("ticket")),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = cookie_value(response.headers(), "__client").expect("__client cookie");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["response"]["status"], "complete", "{body}");
    cookie
}

/// A receiver of webhooks: records every request and answers from a script of statuses
/// (then 204).
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    pub received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    pub script: Arc<Mutex<Vec<StatusCode>>>,
}

impl Receiver {
    pub(crate) async fn start(script: Vec<StatusCode>) -> (Self, url::Url) {
        let receiver = Receiver {
            received: Arc::default(),
            script: Arc::new(Mutex::new(script)),
        };
        let state = receiver.clone();
        let app = Router::new().route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(state): axum::extract::State<Receiver>,
                 headers: HeaderMap,
                 body: String| async move {
                    state.received.lock().expect("lock").push((headers, body));
                    let mut script = state.script.lock().expect("lock");
                    if script.is_empty() {
                        StatusCode::NO_CONTENT
                    } else {
                        script.remove(0)
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app.with_state(state)).await });
        (receiver, url.parse().expect("url"))
    }

    pub(crate) fn count(&self) -> usize {
        self.received.lock().expect("lock").len()
    }

    /// Waits until at least `n` requests arrived (or fails after `timeout`).
    pub(crate) async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<(HeaderMap, String)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received.lock().expect("lock").clone();
            if received.len() >= n {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} webhook requests arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

pub(crate) fn webhook(url: url::Url, secret: &str) -> WebhookTarget {
    WebhookTarget {
        url,
        signing_secret: secret.to_owned(),
    }
}

pub(crate) fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({ "unparsable": text }))
}

/// Checks a delivery's Svix signature as a receiver does: Clerk's `svix-*` headers under
/// their Standard Webhooks names, then the Standard Webhooks check (five-minute tolerance).
pub(crate) fn verify_svix(secret: &str, body: &str, headers: &HeaderMap) -> Result<(), String> {
    let mut standard = HeaderMap::new();
    for (svix, name) in [
        ("svix-id", "webhook-id"),
        ("svix-timestamp", "webhook-timestamp"),
        ("svix-signature", "webhook-signature"),
    ] {
        let value = headers.get(svix).ok_or(format!("no {svix} header"))?;
        standard.insert(name, value.clone());
    }
    standardwebhooks::Webhook::new(secret)
        .and_then(|webhook| webhook.verify(body.as_bytes(), &standard))
        .map_err(|e| e.to_string())
}
