//! Memory bound of the auth layer: a stream of distinct valid session tokens, one new user
//! each (1,000,000 by default, `MEMORY_TOKENS`), through the whole middleware in front of
//! `GET /api/me`, with the caches at their default bounds. Prints resident memory (VmRSS)
//! before, during and after, the caches' sizes and the per-request time percentiles, and
//! exits non-zero when the growth passes `MEMORY_BOUND_MIB` (default 256) or p99.9 passes
//! 5 ms. Tokens are signed in chunks on every core between the timed chunks (signing is
//! what takes the time: about a millisecond a token); each request is timed alone.
//! Run: `scripts/bench` (or `cargo bench -p server --bench memory`). Figures:
//! docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use axum::{Router, body::Body, http::Request};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use populatte::{ClerkId, RepositoryError, User, UserChange, UserRecord, UserRepository};
use ring::{
    rand::SystemRandom,
    signature::{RSA_PKCS1_SHA256, RsaKeyPair},
};
use time::OffsetDateTime;
use tower::ServiceExt;

const KEY: &str = include_str!("../tests/fixtures/test_key_a.pem");
const CHUNK: usize = 20_000;

/// A database that keeps nothing in this process: its memory is PostgreSQL's, not ours.
struct ForgetfulUsers;

#[async_trait]
impl UserRepository for ForgetfulUsers {
    async fn find_by_clerk_id(&self, _: &ClerkId) -> Result<Option<UserRecord>, RepositoryError> {
        Ok(None)
    }
    async fn insert(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        Ok(Some(support::new_user(change, change.as_of)))
    }
    async fn update(&self, _: &UserChange) -> Result<Option<User>, RepositoryError> {
        Ok(None)
    }
    async fn tombstone(&self, _: &ClerkId, _: OffsetDateTime) -> Result<bool, RepositoryError> {
        Ok(false)
    }
}

/// The test key, parsed once (PKCS#8 PEM).
fn signing_key() -> RsaKeyPair {
    let body: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap()
}

/// A Clerk-shaped RS256 session token for a user of its own, as the other benches mint them.
fn mint(key: &RsaKeyPair, n: usize, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"bench"}"#);
    let sub = format!("user_mem{n:07}");
    let claims = serde_json::json!({
        "sub": sub, "sid": format!("sess_mem{n:07}"), "iss": support::ISSUER,
        "azp": "http://127.0.0.1:3000", "iat": now, "nbf": now - 10, "exp": now + 3600,
        "v": 2, "sts": "active", "email": format!("{sub}@example.com"),
        "firstName": "Ada", "lastName": "Lovelace", "imageUrl": "https://img.example.com/a.png",
    });
    let mut token = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        token.as_bytes(),
        &mut signature,
    )
    .unwrap();
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

/// `count` tokens from `first` on, signed on every core.
fn mint_chunk(key: &RsaKeyPair, first: usize, count: usize, now: i64) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let start = first + t * per_thread;
                let end = (start + per_thread).min(first + count);
                scope.spawn(move || (start..end).map(|n| mint(key, n, now)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn main() {
    let tokens: usize = std::env::var("MEMORY_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let bound_mib: f64 = std::env::var("MEMORY_BOUND_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256.0);
    let token_cache_bytes = server::config::CacheConfig::DEFAULT_TOKEN_CACHE_BYTES;
    let user_cache_entries = server::config::CacheConfig::DEFAULT_USER_CACHE_ENTRIES;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let authenticator = Arc::new(
        support::authenticator(
            Arc::new(ForgetfulUsers),
            user_cache_entries,
            Duration::from_secs(600),
        )
        .with_token_cache(token_cache_bytes),
    );
    let router = support::me_router(authenticator.clone());
    let key = signing_key();
    let mut times: Vec<Duration> = Vec::with_capacity(tokens);
    let now = OffsetDateTime::now_utc().unix_timestamp();

    // One request first, so that the baseline includes the runtime and the router.
    let warm_up = mint(&key, usize::MAX / 2, now);
    runtime.block_on(request(&router, &warm_up));
    let baseline = resident_mib();
    let mut peak = baseline;
    println!(
        "memory: {tokens} distinct tokens; token cache {} MiB, user cache {} entries; \
         baseline VmRSS {baseline:.1} MiB",
        token_cache_bytes >> 20,
        user_cache_entries
    );
    let started = Instant::now();
    let mut minting = Duration::ZERO;
    let mut done = 0;
    while done < tokens {
        let count = CHUNK.min(tokens - done);
        let mint_started = Instant::now();
        let chunk = mint_chunk(&key, done, count, now);
        minting += mint_started.elapsed();
        runtime.block_on(async {
            for token in &chunk {
                let at = Instant::now();
                request(&router, token).await;
                times.push(at.elapsed());
            }
        });
        drop(chunk);
        done += count;
        let rss = resident_mib();
        peak = peak.max(rss);
        if done % 100_000 == 0 || done == tokens {
            println!(
                "  {done:>9} tokens: VmRSS {rss:.1} MiB, token cache {} entries ({:.1} MiB), \
                 user cache {} entries",
                authenticator.token_cache().len(),
                authenticator.token_cache().weight() as f64 / 1_048_576.0,
                authenticator.cache().len()
            );
        }
    }
    let total = started.elapsed();
    times.sort_unstable();
    let p999 = percentile(&times, 0.999);
    let growth = peak - baseline;
    println!(
        "memory: peak VmRSS {peak:.1} MiB, growth {growth:.1} MiB (bound {bound_mib} MiB); \
         per request p50 {:?}, p99 {:?}, p99.9 {p999:?}, max {:?}; \
         {:.0} s in all, {:.0} s of it signing tokens",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        total.as_secs_f64(),
        minting.as_secs_f64()
    );
    let mut failed = false;
    if growth > bound_mib {
        println!("memory: FAIL: resident memory grew past the bound");
        failed = true;
    }
    if p999 > Duration::from_millis(5) {
        println!("memory: FAIL: p99.9 of the per-request time is above 5 ms");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
    println!("memory: ok");
}

async fn request(router: &Router, token: &str) {
    let request = Request::get("/api/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}
