//! The auth layer's in-process costs: RS256 verification, the warm path (user cached, claims
//! unchanged: no database), the cold path (a new user: verify + read + insert) and the whole
//! middleware in front of `GET /api/me`.
//!
//! The cold path runs against PostgreSQL when `DATABASE_URL` is set (scripts/bench sets it)
//! and against an in-memory store otherwise, which isolates the CPU cost.
//! Run: `scripts/bench` (or `cargo bench -p server --bench auth`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use axum::{body::Body, http::Request};
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use populatte::{ClerkId, RepositoryError, User, UserChange, UserRecord, UserRepository};
use server::auth::{
    Authenticator,
    keys::KeyStore,
    token::{FoundToken, TokenSource},
    verify::{Verifier, VerifierSettings},
};
use time::OffsetDateTime;
use tower::ServiceExt;

const KEY: &str = include_str!("../tests/fixtures/test_key_a.pem");

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A Clerk-shaped session token with the custom profile claims, valid for an hour.
fn token(sub: &str) -> String {
    token_with_jti(sub, 0)
}

fn token_with_jti(sub: &str, jti: u64) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("bench".into());
    let now = now();
    let claims = serde_json::json!({
        "sub": sub, "sid": "sess_bench", "iss": support::ISSUER,
        "azp": "http://127.0.0.1:3000", "iat": now, "nbf": now - 10, "exp": now + 3600,
        "v": 2, "sts": "active", "jti": jti.to_string(), "email": format!("{sub}@example.com"),
        "firstName": "Ada", "lastName": "Lovelace", "imageUrl": "https://img.example.com/a.png",
    });
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// The users table in memory: the CPU cost of the cold path without the database.
#[derive(Default)]
struct MemoryUsers(Mutex<HashMap<ClerkId, UserRecord>>);

#[async_trait]
impl UserRepository for MemoryUsers {
    async fn find_by_clerk_id(&self, id: &ClerkId) -> Result<Option<UserRecord>, RepositoryError> {
        Ok(self.0.lock().unwrap().get(id).cloned())
    }
    async fn insert(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        let user = support::new_user(change, OffsetDateTime::now_utc());
        let record = UserRecord {
            user: user.clone(),
            clerk_updated_at: Some(change.as_of),
            deleted_at: None,
        };
        self.0
            .lock()
            .unwrap()
            .insert(change.clerk_id.clone(), record);
        Ok(Some(user))
    }
    async fn update(&self, _: &UserChange) -> Result<Option<User>, RepositoryError> {
        Ok(None)
    }
    async fn tombstone(&self, _: &ClerkId, _: OffsetDateTime) -> Result<bool, RepositoryError> {
        Ok(false)
    }
}

fn authenticator(users: Arc<dyn UserRepository>) -> Arc<Authenticator> {
    Arc::new(support::authenticator(
        users,
        1_000_000,
        Duration::from_secs(3600),
    ))
}

fn header_token(token: &str) -> FoundToken<'_> {
    FoundToken {
        token,
        source: TokenSource::Header,
        client_uat: None,
    }
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    let warm_token = token("user_warm");
    let verifier = Verifier::new(
        KeyStore::from_pem(support::PUBLIC_KEY).unwrap(),
        VerifierSettings::default(),
    );
    c.bench_function("verify_rs256", |b| {
        b.to_async(&runtime)
            .iter(|| async { verifier.verify(&warm_token, now()).await.unwrap() })
    });

    let memory = authenticator(Arc::new(MemoryUsers::default()));
    runtime
        .block_on(memory.authenticate(&header_token(&warm_token), now()))
        .unwrap();
    // The warm path: the same token again (a browser reuses one for about a minute), the
    // user cached with unchanged claims.
    c.bench_function("authenticate_warm", |b| {
        b.to_async(&runtime).iter(|| async {
            memory
                .authenticate(&header_token(&warm_token), now())
                .await
                .unwrap()
        })
    });

    // A token this server has not seen, for a user it has cached: what each browser's
    // refreshed token costs once a minute (RS256 verification + the user cache).
    let counter_tokens = AtomicU64::new(0);
    c.bench_function("authenticate_new_token_cached_user", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let n = counter_tokens.fetch_add(1, Ordering::Relaxed);
                // A distinct token (another jti) for the same user.
                let fresh = token_with_jti("user_warm", n);
                let started = std::time::Instant::now();
                runtime
                    .block_on(memory.authenticate(&header_token(&fresh), now()))
                    .unwrap();
                total += started.elapsed();
            }
            total
        })
    });

    // The cold path: a user this server has never seen, so verification, a read and an
    // insert. Tokens are minted outside the timed section (`iter_custom`).
    let counter = AtomicU64::new(0);
    let cold = |users: Arc<dyn UserRepository>, prefix: &'static str| {
        let auth = authenticator(users);
        let counter = &counter;
        let runtime = &runtime;
        move |iters: u64| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let token = token(&format!("user_{prefix}{n}"));
                let started = std::time::Instant::now();
                runtime
                    .block_on(auth.authenticate(&header_token(&token), now()))
                    .unwrap();
                total += started.elapsed();
            }
            total
        }
    };
    let mut cold_memory = cold(Arc::new(MemoryUsers::default()), "mem");
    c.bench_function("authenticate_cold_memory", |b| {
        b.iter_custom(&mut cold_memory)
    });

    if let Ok(url) = std::env::var("DATABASE_URL") {
        let pool = runtime.block_on(async {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .connect(&url)
                .await
                .unwrap();
            server::db::MIGRATOR.run(&pool).await.unwrap();
            sqlx::query("truncate users cascade")
                .execute(&pool)
                .await
                .unwrap();
            pool
        });
        let mut cold_postgres = cold(Arc::new(server::db::users::PgUsers::new(pool)), "db");
        c.bench_function("authenticate_cold_postgres", |b| {
            b.iter_custom(&mut cold_postgres)
        });
    }

    let router = support::me_router(memory.clone());
    let bearer = format!("Bearer {warm_token}");
    c.bench_function("layer_get_me_warm", |b| {
        b.to_async(&runtime).iter(|| async {
            let request = Request::get("/api/me")
                .header("authorization", &bearer)
                .body(Body::empty())
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert!(response.status().is_success());
        })
    });
}

criterion_group! {
    name = auth;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(auth);
