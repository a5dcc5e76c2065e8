//! How the built assets, pages and JSON reach the browser: content-encoding and caching.

use std::path::PathBuf;

use clerk_emulator::seeds::ADA_LOVELACE;
use reqwest::{StatusCode, header};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{TestApp, spawn_app, spawn_app_with, test_config};

const WASM: &str = "/pkg/populatte.Qm7x2Tn0pB1sYcAe9Lk3Hw.wasm";
const JS: &str = "/pkg/populatte.Zp4r8Vd1uK6mXoCe2Jt9Ga.js";
const CSS: &str = "/pkg/populatte.Fw3n7Sb5qH0kLyDi8Pe1Rc.css";

/// A site root like `cargo leptos build --release --precompress` leaves: each built file
/// next to its `.br` and `.gz` copies (whose bytes only need to be recognisable here).
struct Site(PathBuf);

impl Site {
    fn built() -> Self {
        let root = std::env::temp_dir().join(format!("populatte-site-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        for path in [WASM, JS, CSS] {
            let file = root.join(path.trim_start_matches('/'));
            std::fs::write(&file, format!("raw {path}")).unwrap();
            std::fs::write(with_suffix(&file, "br"), format!("br {path}")).unwrap();
            std::fs::write(with_suffix(&file, "gz"), format!("gz {path}")).unwrap();
        }
        Self(root)
    }

    async fn serve(&self, pool: PgPool, hash_files: bool) -> TestApp {
        let mut config = test_config(&[]);
        config.leptos.site_root = self.0.to_string_lossy().as_ref().into();
        config.leptos.hash_files = hash_files;
        spawn_app_with(pool, config).await
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn with_suffix(file: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

async fn get_accepting(app: &TestApp, path: &str, encodings: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(header::ACCEPT_ENCODING, encodings)
        .send()
        .await
        .unwrap()
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn hashed_assets_are_sent_brotli_compressed_and_cached_for_good(pool: PgPool) {
    let site = Site::built();
    let app = site.serve(pool, true).await;
    for (path, content_type) in [
        (WASM, "application/wasm"),
        (JS, "text/javascript"),
        (CSS, "text/css"),
    ] {
        let response = get_accepting(&app, path, "gzip, deflate, br, zstd").await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING).as_deref(),
            Some("br"),
            "{path}"
        );
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        assert!(
            header_of(&response, header::CONTENT_TYPE)
                .unwrap()
                .starts_with(content_type),
            "{path}"
        );
        assert!(
            header_of(&response, header::VARY)
                .unwrap()
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}: a shared cache must keep one copy per encoding"
        );
        assert_eq!(response.text().await.unwrap(), format!("br {path}"));
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn assets_fall_back_to_gzip_then_to_the_plain_file(pool: PgPool) {
    let site = Site::built();
    let app = site.serve(pool, true).await;
    let gzip = get_accepting(&app, WASM, "gzip").await;
    assert_eq!(
        header_of(&gzip, header::CONTENT_ENCODING).as_deref(),
        Some("gzip")
    );
    assert_eq!(gzip.text().await.unwrap(), format!("gz {WASM}"));
    let plain = app.get(WASM).await;
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
    assert_eq!(plain.text().await.unwrap(), format!("raw {WASM}"));
}

#[sqlx::test(migrations = "../migrations")]
async fn unhashed_assets_are_revalidated_and_missing_ones_never_kept(pool: PgPool) {
    let site = Site::built();
    let app = site.serve(pool, false).await;
    let found = app.get(JS).await;
    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(
        header_of(&found, header::CACHE_CONTROL).as_deref(),
        Some("no-cache")
    );
    let missing = app.get("/pkg/populatte.0000000000000000000000.wasm").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header_of(&missing, header::CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn assets_are_served_whatever_token_comes_with_them(pool: PgPool) {
    let site = Site::built();
    let app = site.serve(pool, true).await;
    // A stale or forged cookie must not cost a page its script: assets need no user.
    let response = app
        .client
        .get(app.url(WASM))
        .header(header::COOKIE, "__session=not-a-token")
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_are_compressed_and_never_publicly_cached(pool: PgPool) {
    let app = spawn_app(pool).await;
    let landing = get_accepting(&app, "/", "gzip, br").await;
    assert_eq!(landing.status(), StatusCode::OK);
    assert_eq!(
        header_of(&landing, header::CONTENT_ENCODING).as_deref(),
        Some("br")
    );
    assert_eq!(
        header_of(&landing, header::CACHE_CONTROL).as_deref(),
        Some("private, no-cache")
    );
    let missing = get_accepting(&app, "/no/such/page", "gzip").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header_of(&missing, header::CACHE_CONTROL).as_deref(),
        Some("private, no-cache")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_in_page_is_private(pool: PgPool) {
    let app = spawn_app(pool).await;
    let token = mint_token(&app).await;
    let response = app
        .client
        .get(app.url("/dashboard"))
        // Signed in as clerk-js leaves it: the session token beside a positive
        // `__client_uat` (a bare `__session` counts as signed out, and the page redirects).
        .header(
            header::COOKIE,
            format!("__session={token}; __client_uat={}", unix_now() - 5),
        )
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cache_control = header_of(&response, header::CACHE_CONTROL).unwrap();
    assert!(cache_control.contains("private"), "{cache_control}");
    assert!(!cache_control.contains("public"), "{cache_control}");
}

#[sqlx::test(migrations = "../migrations")]
async fn api_answers_are_not_stored_and_small_ones_not_compressed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let token = mint_token(&app).await;
    let me = app
        .client
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        header_of(&me, header::CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
    assert_eq!(
        header_of(&me, header::CONTENT_ENCODING),
        None,
        "a few hundred bytes"
    );
    let signed_out = get_accepting(&app, "/api/me", "br").await;
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&signed_out, header::CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn large_api_answers_are_compressed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let token = mint_token(&app).await;
    for n in 0..20 {
        let created = app
            .client
            .post(app.url("/api/projects"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("Project number {n}"), "description": "x".repeat(100)}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let list = app
        .client
        .get(app.url("/api/projects?limit=50"))
        .bearer_auth(&token)
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(
        header_of(&list, header::CONTENT_ENCODING).as_deref(),
        Some("gzip")
    );
}

async fn mint_token(app: &TestApp) -> String {
    let response = app
        .client
        .post(app.url("/__clerk/_emulator/tokens"))
        .header("origin", &app.address)
        .json(&json!({"user_id": ADA_LOVELACE}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let body: serde_json::Value = response.json().await.unwrap();
    body["jwt"].as_str().unwrap().to_owned()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
