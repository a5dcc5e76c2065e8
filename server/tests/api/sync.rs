//! Request-time sync against a real PostgreSQL: one row per user whatever the concurrency,
//! changes written on the next request, nothing written when nothing changed, deleted users
//! refused, and the Backend API fallback for tokens without profile claims.

use populatte::{ClerkId, DeleteUser};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::{
    clerk_mock::MockClerk,
    helpers::{TestApp, spawn_clerk_app},
    tokens::*,
};

async fn setup(pool: PgPool) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_clerk_app(pool, &clerk, &[]).await;
    (app, clerk)
}

async fn count_users(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from users")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn profile(response: reqwest::Response) -> app::api::UserProfile {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_first_request_creates_the_local_user_from_the_claims(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let me = profile(app.me(&Mint::session("user_ada").sign()).await).await;
    assert_eq!(me.email.as_deref(), Some("ada@example.com"));
    assert_eq!(me.first_name.as_deref(), Some("Ada"));
    let stored: (uuid::Uuid, String) =
        sqlx::query_as("select id, email from users where clerk_id = 'user_ada'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        (me.id, "ada@example.com".to_owned()),
        "the local id is the row's"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn fifty_concurrent_first_requests_create_one_row(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let token = Mint::session("user_ada").sign();
    let requests = (0..50).map(|_| app.me(&token));
    let responses = futures::future::join_all(requests).await;
    let mut ids = std::collections::HashSet::new();
    for response in responses {
        ids.insert(profile(response).await.id);
    }
    assert_eq!(ids.len(), 1, "every request saw the same local user");
    assert_eq!(count_users(&pool).await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_thousand_users_first_requests_create_a_thousand_rows(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let tokens: Vec<String> = (0..1000)
        .map(|i| Mint::session(&format!("user_load{i}")).sign())
        .collect();
    // 100 at a time: many more than the pool's 10 connections, bounded for the test machine.
    for chunk in tokens.chunks(100) {
        let responses = futures::future::join_all(chunk.iter().map(|t| app.me(t))).await;
        for response in responses {
            assert_eq!(response.status(), StatusCode::OK);
        }
    }
    assert_eq!(count_users(&pool).await, 1000);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_changed_email_or_name_reaches_the_database_on_the_next_request(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    profile(app.me(&Mint::session("user_ada").sign()).await).await;
    let changed = Mint::session("user_ada")
        .claim("email", json!("ada@lovelace.dev"))
        .claim("lastName", json!("King"))
        .claim("iat", json!(now() + 1))
        .sign();
    let me = profile(app.me(&changed).await).await;
    assert_eq!(me.email.as_deref(), Some("ada@lovelace.dev"));
    let stored: (String, String) =
        sqlx::query_as("select email, last_name from users where clerk_id = 'user_ada'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, ("ada@lovelace.dev".into(), "King".into()));
}

#[sqlx::test(migrations = "../migrations")]
async fn unchanged_claims_write_nothing(pool: PgPool) {
    // Each server gets its own pool, so that stopping it ends its connections, and ending a
    // connection makes PostgreSQL count what it did.
    let url = crate::helpers::database_url_of(&pool).await;
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let warm = spawn_clerk_app(PgPool::connect(&url).await.unwrap(), &clerk, &[]).await;
    profile(warm.me(&Mint::session("user_ada").sign()).await).await;
    let row = || {
        sqlx::query_as::<_, (OffsetDateTime, String)>(
            "select updated_at, xmin::text from users where clerk_id = 'user_ada'",
        )
        .fetch_one(&pool)
    };
    let before = row().await.unwrap();
    // A second server on the same database starts with an empty cache: its requests do reach
    // the database, and must still write nothing.
    let cold = spawn_clerk_app(PgPool::connect(&url).await.unwrap(), &clerk, &[]).await;
    for i in 0..20 {
        let token = Mint::session("user_ada")
            .claim("iat", json!(now() + i % 3))
            .sign();
        profile(warm.me(&token).await).await;
        profile(cold.me(&token).await).await;
    }
    drop((warm, cold));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        row().await.unwrap(),
        before,
        "updated_at and the tuple version are unchanged"
    );
    sqlx::query("select pg_stat_clear_snapshot()")
        .execute(&pool)
        .await
        .unwrap();
    let (inserted, updated): (i64, i64) = sqlx::query_as(
        "select n_tup_ins, n_tup_upd from pg_stat_user_tables where relname = 'users'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(inserted, 1, "the statistics are in (the insert is counted)");
    assert_eq!(updated, 0, "n_tup_upd: no update at all");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deleted_users_valid_token_is_refused_and_does_not_recreate_the_row(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let token = Mint::session("user_ada").sign();
    profile(app.me(&token).await).await;
    let users = server::db::users::PgUsers::new(pool.clone());
    DeleteUser::new(&users)
        .execute(
            &ClerkId::parse("user_ada").unwrap(),
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    // The webhook would also invalidate the cache; here a fresh token (new iat, new claims)
    // must reach the database and find the tombstone.
    app.invalidate("user_ada");
    for _ in 0..3 {
        let response = app.me(&token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "user-deleted");
    }
    let (count, deleted, email): (i64, bool, Option<String>) =
        sqlx::query_as("select count(*), bool_and(deleted_at is not null), max(email) from users")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((count, deleted, email), (1, true, None));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_without_claims_syncs_through_the_backend_api_once(pool: PgPool) {
    let (app, clerk) = setup(pool.clone()).await;
    clerk.add_user("user_api", "api@example.com", "Grace", "Hopper");
    let token = Mint::session("user_api").without_profile().sign();
    let me = profile(app.me(&token).await).await;
    assert_eq!(
        me.email.as_deref(),
        Some("api@example.com"),
        "the primary email"
    );
    assert_eq!(me.first_name.as_deref(), Some("Grace"));
    assert_eq!(clerk.user_calls(), 1);
    for _ in 0..5 {
        profile(app.me(&token).await).await;
    }
    assert_eq!(clerk.user_calls(), 1, "no second API call for that user");
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_first_requests_without_claims_share_one_api_call(pool: PgPool) {
    let (app, clerk) = setup(pool.clone()).await;
    clerk.add_user("user_api", "api@example.com", "Grace", "Hopper");
    let token = Mint::session("user_api").without_profile().sign();
    let responses = futures::future::join_all((0..20).map(|_| app.me(&token))).await;
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(clerk.user_calls(), 1);
    assert_eq!(count_users(&pool).await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_backend_api_being_down_gives_a_clear_503(pool: PgPool) {
    let (app, clerk) = setup(pool.clone()).await;
    clerk.add_user("user_api", "api@example.com", "Grace", "Hopper");
    // JWKS first, while the mock still answers.
    profile(app.me(&Mint::session("user_ada").sign()).await).await;
    clerk.fail_with(500);
    let token = Mint::session("user_api").without_profile().sign();
    let response = app.me(&token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(body["error"]["message"].as_str().unwrap().contains("Clerk"));
    assert_eq!(count_users(&pool).await, 1, "nothing half-created");
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_secret_key_missing_claims_are_a_clear_401(pool: PgPool) {
    let clerk = MockClerk::start(vec![]).await;
    let publishable_key = publishable_key();
    let app = crate::helpers::spawn_app_with(
        pool,
        crate::helpers::test_config(&[
            ("CLERK_PUBLISHABLE_KEY", publishable_key.as_str()),
            ("CLERK_JWT_KEY", KEY_A_PUB),
            ("CLERK_API_URL", clerk.url.as_str()),
        ]),
    )
    .await;
    let response = app
        .me(&Mint::session("user_ada").without_profile().sign())
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "claims-missing");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("firstName") && message.contains("CLERK_SECRET_KEY"),
        "{message}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_being_down_gives_503(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    profile(app.me(&Mint::session("user_warm").sign()).await).await;
    pool.close().await;
    let response = app.me(&Mint::session("user_cold").sign()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
}

/// A `UserRepository` that counts every call before passing it on to PostgreSQL.
struct Counting {
    inner: server::db::users::PgUsers,
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl populatte::UserRepository for Counting {
    async fn find_by_clerk_id(
        &self,
        clerk_id: &ClerkId,
    ) -> Result<Option<populatte::UserRecord>, populatte::RepositoryError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.find_by_clerk_id(clerk_id).await
    }
    async fn insert(
        &self,
        change: &populatte::UserChange,
    ) -> Result<Option<populatte::User>, populatte::RepositoryError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.insert(change).await
    }
    async fn update(
        &self,
        change: &populatte::UserChange,
    ) -> Result<Option<populatte::User>, populatte::RepositoryError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.update(change).await
    }
    async fn tombstone(
        &self,
        clerk_id: &ClerkId,
        at: OffsetDateTime,
    ) -> Result<bool, populatte::RepositoryError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.tombstone(clerk_id, at).await
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_warm_path_makes_no_database_round_trip(pool: PgPool) {
    use server::auth::{
        Authenticator,
        cache::UserCache,
        keys::KeyStore,
        token::{FoundToken, TokenSource},
        verify::{Verifier, VerifierSettings},
    };
    use std::sync::{Arc, atomic::Ordering};

    let users = Arc::new(Counting {
        inner: server::db::users::PgUsers::new(pool),
        calls: Default::default(),
    });
    let authenticator = Authenticator::new(
        Verifier::new(
            KeyStore::from_pem(KEY_A_PUB).unwrap(),
            VerifierSettings::default(),
        ),
        users.clone(),
        Arc::new({
            // No listener in this test: nothing invalidates, so the cache may be on.
            let cache = UserCache::new(100, std::time::Duration::from_secs(60));
            cache.set_enabled(true);
            cache
        }),
        None,
    );
    let token = Mint::session("user_warm").sign();
    let found = FoundToken {
        token: &token,
        source: TokenSource::Header,
        client_uat: None,
    };
    let cold = authenticator.authenticate(&found, now()).await.unwrap();
    let cold_calls = users.calls.load(Ordering::SeqCst);
    assert!(cold_calls >= 2, "the cold path reads and inserts");
    for _ in 0..10 {
        let warm = authenticator.authenticate(&found, now()).await.unwrap();
        assert_eq!(warm, cold);
    }
    assert_eq!(
        users.calls.load(Ordering::SeqCst),
        cold_calls,
        "no call on the warm path"
    );
    // A changed claim leaves the warm path: one read and one write.
    let changed = Mint::session("user_warm")
        .claim("email", json!("new@example.com"))
        .sign();
    let found = FoundToken {
        token: &changed,
        source: TokenSource::Header,
        client_uat: None,
    };
    authenticator.authenticate(&found, now()).await.unwrap();
    assert_eq!(users.calls.load(Ordering::SeqCst), cold_calls + 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn cookie_authenticated_writes_must_come_from_this_site(pool: PgPool) {
    let (app, _) = setup(pool).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        Mint::session("user_ada").sign(),
        now() - 30
    );
    let post = |origin: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/me"))
            .header("cookie", &cookie);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let forbidden = |response: reqwest::Response| async move {
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "origin-not-allowed");
    };
    forbidden(post(Some("https://evil.example")).await.unwrap()).await;
    forbidden(post(None).await.unwrap()).await;
    // Same origin passes the check (and meets the route's method rule: 405).
    let same = post(Some(&app.address)).await.unwrap();
    assert_eq!(same.status(), StatusCode::METHOD_NOT_ALLOWED);
    // A bearer token is not sent by the browser on its own: no origin needed.
    let bearer = app
        .client
        .post(app.url("/api/me"))
        .bearer_auth(Mint::session("user_ada").sign())
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_function_called_with_a_cookie_from_another_origin_is_refused(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        Mint::session("user_ada").sign(),
        now() - 30
    );
    let same_origin = app.address.clone();
    let https_twin = same_origin.replacen("http://", "https://", 1);
    let create = |name: &str, headers: &[(&str, &str)]| {
        let mut request = app
            .client
            .post(app.url("/api/fn/projects/create"))
            .header("cookie", &cookie)
            .json(&json!({"input": {"name": name}}));
        for (header, value) in headers {
            request = request.header(*header, *value);
        }
        request.send()
    };
    let refused: [(&str, &[(&str, &str)]); 4] = [
        ("evil", &[("origin", "https://evil.example")]),
        // Same host and port, other scheme: another origin.
        ("twin", &[("origin", https_twin.as_str())]),
        // `null` is never rescued by a same-site Referer.
        (
            "null",
            &[("origin", "null"), ("referer", same_origin.as_str())],
        ),
        // The browser's own word beats a matching Origin.
        (
            "fetch-site",
            &[
                ("origin", same_origin.as_str()),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
    ];
    for (name, headers) in refused {
        let response = create(name, headers).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "origin-not-allowed", "{name}");
    }
    let projects: i64 = sqlx::query_scalar("select count(*) from projects")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(projects, 0, "no refused call wrote anything");
    let response = create(
        "mine",
        &[
            ("origin", same_origin.as_str()),
            ("sec-fetch-site", "same-origin"),
        ],
    )
    .await
    .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}
