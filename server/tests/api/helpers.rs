//! What the integration tests share: spawning the app in-process (`spawn_app`) or as the real
//! binary (`ServerProcess`), and Svix-signed webhook deliveries (`delivery`, `send`).

use std::{
    net::SocketAddr,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{Value, json};
use server::{
    config::{Config, DatabaseConfig},
    startup::Application,
};

use crate::tokens::now;
use sqlx::PgPool;
use standardwebhooks::Webhook;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::oneshot,
};

pub(crate) struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub auth: server::auth::AuthLayerState,
    _stop: oneshot::Sender<()>,
    /// The test's pool lives as long as the app: the app shares it, or (behind the pooler)
    /// closes its own pools when it closes.
    _pool: PgPool,
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// `GET` with `Authorization: Bearer <token>`.
    pub(crate) async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Drops a user from the auth layer's cache, as a webhook does.
    pub(crate) fn invalidate(&self, clerk_id: &str) {
        self.auth
            .authenticator
            .cache()
            .invalidate(&populatte::ClerkId::parse(clerk_id).unwrap());
    }

    /// `GET /api/me` with a bearer token.
    pub(crate) async fn me(&self, token: &str) -> reqwest::Response {
        self.get_as("/api/me", token).await
    }
}

/// The emulator's test-only signing key, so tests do not pay for RSA key generation.
pub(crate) const EMULATOR_TEST_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tools/clerk-emulator/tests/fixtures/test-only-key-a.pem"
);

/// A configuration for tests: the database comes from the pool, the port is picked by the OS.
pub(crate) fn test_config(extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(&str, &str)> = vec![
        ("DATABASE_URL", "postgres://unused@127.0.0.1/unused"),
        ("CLERK_EMULATOR_KEY_FILE", EMULATOR_TEST_KEY),
        ("CLERK_EMULATOR_STATE_FILE", "none"),
    ];
    vars.extend_from_slice(extra);
    let mut config = Config::load(&vars).unwrap();
    config.leptos.site_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config
}

pub(crate) async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with(pool, test_config(&[])).await
}

/// The app in Clerk mode, against a mock of Clerk's Backend API (JWKS and users).
pub(crate) async fn spawn_clerk_app(
    pool: PgPool,
    clerk: &crate::clerk_mock::MockClerk,
    extra: &[(&str, &str)],
) -> TestApp {
    let publishable_key = crate::tokens::publishable_key();
    let mut vars = vec![
        ("CLERK_PUBLISHABLE_KEY", publishable_key.as_str()),
        ("CLERK_SECRET_KEY", crate::clerk_mock::SECRET_KEY),
        ("CLERK_API_URL", clerk.url.as_str()),
    ];
    vars.extend_from_slice(extra);
    spawn_app_with(pool, test_config(&vars)).await
}

pub(crate) async fn spawn_app_with(pool: PgPool, config: Config) -> TestApp {
    let app = if pooler_url().is_some() {
        // The server's own pools, as it builds them from its settings: queries through the
        // pooler, LISTEN and migrations direct.
        let env = database_env(&pool).await;
        let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let database = DatabaseConfig::load(&vars).unwrap();
        let db = server::db::connect_lazy(&database);
        // A test takes the database away by closing its pool: the server's pools go with it.
        let (closed, server_db) = (pool.close_event(), db.clone());
        // Closed, not merely dropped: the app keeps a handle below.
        tokio::spawn(async move {
            closed.await;
            server_db.close().await;
        });
        Application::build_with_db(config, db).await.unwrap()
    } else {
        Application::build_with_pool(config, pool.clone())
            .await
            .unwrap()
    };
    let address = format!("http://{}", app.local_addr().unwrap());
    let auth = app.auth();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        stopped.await.ok();
    }));
    TestApp {
        address,
        auth,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
        _stop: stop,
        _pool: pool,
    }
}

/// The URL of the database behind `pool` (a direct connection), for a server process started
/// by a test.
pub(crate) async fn database_url_of(pool: &PgPool) -> String {
    let name = database_name(pool).await;
    with_database(&std::env::var("DATABASE_URL").unwrap(), &name)
}

async fn database_name(pool: &PgPool) -> String {
    sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn with_database(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).unwrap();
    url.set_path(name);
    url.to_string()
}

/// A transaction-mode pooler in front of `DATABASE_URL`'s cluster (`TEST_POOLER_URL`, set by
/// scripts/pgbouncer-tests). When set, every server a test starts queries through it, with
/// the direct URL beside it for LISTEN and migrations, as in production. `#[sqlx::test]`
/// itself (creating and dropping each test's database) and the tests' own checks stay direct.
pub(crate) fn pooler_url() -> Option<String> {
    std::env::var("TEST_POOLER_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// The server's database variables for the test database behind `pool`: `DATABASE_URL`
/// alone, or the pooler's URL with `DATABASE_DIRECT_URL` beside it.
pub(crate) async fn database_env(pool: &PgPool) -> Vec<(&'static str, String)> {
    let direct = database_url_of(pool).await;
    match pooler_url() {
        None => vec![("DATABASE_URL", direct)],
        Some(pooler) => {
            let name = database_name(pool).await;
            vec![
                ("DATABASE_URL", with_database(&pooler, &name)),
                ("DATABASE_DIRECT_URL", direct),
            ]
        }
    }
}

/// The real server binary, as a child process with piped output.
pub(crate) struct ServerProcess {
    pub child: Child,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub address: Option<String>,
    /// Reads stdout until the process closes it.
    reader: tokio::task::JoinHandle<()>,
}

impl ServerProcess {
    /// Starts the binary with `env` (and nothing of this process's environment that
    /// configures the server) and waits until it listens or exits.
    pub(crate) async fn start(env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_populatte"));
        for (name, _) in std::env::vars() {
            if name.starts_with("DATABASE_")
                || name.starts_with("CLERK_")
                || name.starts_with("LEPTOS_")
                || name == "RUST_LOG"
            {
                command.env_remove(name);
            }
        }
        command
            .env("CLERK_EMULATOR_KEY_FILE", EMULATOR_TEST_KEY)
            .env("CLERK_EMULATOR_STATE_FILE", "none")
            .envs(env.iter().copied())
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let (listening_tx, listening_rx) = oneshot::channel::<String>();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let sink = stdout.clone();
        let reader = tokio::spawn(async move {
            let mut listening_tx = Some(listening_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr: String = rest
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '"')
                        .collect();
                    if let Some(tx) = listening_tx.take() {
                        tx.send(format!("http://{addr}")).ok();
                    }
                }
                sink.lock().unwrap().push(line);
            }
        });
        let address = tokio::time::timeout(Duration::from_secs(30), listening_rx)
            .await
            .ok()
            .and_then(Result::ok);
        Self {
            child,
            stdout,
            address,
            reader,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address.as_deref().expect("server listens"))
    }

    /// Waits for the process to exit and returns its status and standard error.
    pub(crate) async fn exit(mut self) -> (std::process::ExitStatus, String) {
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server exits in time")
            .unwrap();
        // Every line the process wrote is in `stdout` once the reader reaches the end.
        tokio::time::timeout(Duration::from_secs(5), &mut self.reader)
            .await
            .ok();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            tokio::io::AsyncReadExt::read_to_string(&mut pipe, &mut stderr)
                .await
                .unwrap();
        }
        (status, stderr)
    }

    pub(crate) fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub(crate) fn log(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }
}

// Svix-signed webhook deliveries.

pub(crate) const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

pub(crate) fn ms(seconds_from_now: i64) -> i64 {
    (now() + seconds_from_now) * 1000
}

pub(crate) fn user_event(kind: &str, id: &str, email: &str, updated_at_ms: i64) -> Value {
    json!({
        "type": kind, "object": "event", "instance_id": "ins_test", "timestamp": updated_at_ms,
        "data": {
            "id": id, "object": "user",
            "email_addresses": [{"id": "idn_1", "email_address": email}],
            "primary_email_address_id": "idn_1",
            "first_name": "Ada", "last_name": "Lovelace", "image_url": null,
            "created_at": updated_at_ms, "updated_at": updated_at_ms,
        }
    })
}

pub(crate) fn deleted_event(id: &str, at_ms: i64) -> Value {
    json!({
        "type": "user.deleted", "object": "event", "timestamp": at_ms,
        "data": {"object": "user", "id": id, "deleted": true}
    })
}

pub(crate) struct Delivery {
    pub(crate) id: String,
    pub(crate) timestamp: i64,
    pub(crate) body: Vec<u8>,
    pub(crate) signature: String,
}

pub(crate) fn sign_with(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    Webhook::new(secret)
        .unwrap()
        .sign(id, timestamp, body)
        .unwrap()
}

pub(crate) fn delivery(event: &Value) -> Delivery {
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let body = serde_json::to_vec(event).unwrap();
    let timestamp = now();
    Delivery {
        signature: sign_with(SECRET, &id, timestamp, &body),
        id,
        timestamp,
        body,
    }
}

pub(crate) async fn send(app: &TestApp, d: &Delivery) -> reqwest::Response {
    send_to(&app.client, &app.url("/api/webhooks/clerk"), d).await
}

pub(crate) async fn send_to(
    client: &reqwest::Client,
    url: &str,
    d: &Delivery,
) -> reqwest::Response {
    client
        .post(url)
        .header("svix-id", &d.id)
        .header("svix-timestamp", d.timestamp.to_string())
        .header("svix-signature", &d.signature)
        .header("content-type", "application/json")
        .body(d.body.clone())
        .send()
        .await
        .unwrap()
}
