//! Clerk's Backend API, for the one thing the auth layer may need from it: the profile of a
//! user whose session token carries no profile claims (`GET /v1/users/{id}`).
//!
//! Calls are few by construction: an answer is cached per user, concurrent requests for one
//! user share one call, a time limit bounds each call, and a local budget keeps this server
//! under Clerk's rate limit (100 requests per 10 s on development instances).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use populatte::{ClerkId, Profile};
use quick_cache::sync::Cache;
use reqwest::StatusCode;
use time::OffsetDateTime;
use url::Url;

use super::user::ClerkUser;
use crate::config::{CacheConfig, Secret};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BackendError {
    #[error("Clerk has no such user")]
    NotFound,
    #[error("Clerk's Backend API is rate limiting us")]
    RateLimited,
    #[error("Clerk's Backend API failed: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone)]
pub(crate) struct BackendSettings {
    pub(crate) api_url: Url,
    pub(crate) secret_key: Secret,
    pub(crate) timeout: Duration,
    /// How long an answer is reused. Webhooks bring changes sooner.
    pub(crate) cache_for: Duration,
    /// At most this many calls per `budget_window`.
    pub(crate) budget: u32,
    pub(crate) budget_window: Duration,
    /// At most this many answers are kept (`CLERK_API_CACHE_ENTRIES`).
    pub(crate) cache_entries: usize,
}

impl BackendSettings {
    pub(crate) fn new(api_url: Url, secret_key: Secret) -> Self {
        Self {
            api_url,
            secret_key,
            timeout: Duration::from_secs(3),
            cache_for: Duration::from_secs(300),
            budget: 50,
            budget_window: Duration::from_secs(10),
            cache_entries: CacheConfig::DEFAULT_CLERK_API_CACHE_ENTRIES,
        }
    }
}

/// A user's profile as Clerk's Backend API gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClerkProfile {
    pub(crate) profile: Profile,
    /// Clerk's `updated_at` of the user: how fresh this profile is, however long ago it was
    /// fetched. A write records this, never the time of the request, so that a cached answer
    /// cannot make a newer webhook look stale. The epoch when Clerk gave none.
    pub(crate) updated_at: OffsetDateTime,
}

type Lookup = Shared<BoxFuture<'static, Result<ClerkProfile, BackendError>>>;

#[derive(Clone)]
pub struct ClerkBackend(Arc<Inner>);

struct Inner {
    settings: BackendSettings,
    http: reqwest::Client,
    /// Bounded: a full map evicts the answers least likely to be asked for again.
    answers: Cache<ClerkId, (ClerkProfile, Instant)>,
    in_flight: Mutex<HashMap<ClerkId, Lookup>>,
    budget: Mutex<(Instant, u32)>,
}

impl ClerkBackend {
    pub(crate) fn new(settings: BackendSettings, http: reqwest::Client) -> Self {
        Self(Arc::new(Inner {
            answers: Cache::new(settings.cache_entries.max(1)),
            settings,
            http,
            in_flight: Mutex::new(HashMap::new()),
            budget: Mutex::new((Instant::now(), 0)),
        }))
    }

    /// The user's profile from Clerk, from the cache when recent.
    pub(crate) async fn profile(&self, clerk_id: &ClerkId) -> Result<ClerkProfile, BackendError> {
        if let Some(profile) = self.cached(clerk_id) {
            return Ok(profile);
        }
        let lookup = {
            let mut in_flight = lock(&self.0.in_flight);
            in_flight
                .entry(clerk_id.clone())
                .or_insert_with(|| {
                    let inner = self.0.clone();
                    let clerk_id = clerk_id.clone();
                    async move { inner.fetch(&clerk_id).await }.boxed().shared()
                })
                .clone()
        };
        let result = lookup.await;
        lock(&self.0.in_flight).remove(clerk_id);
        if let Ok(profile) = &result {
            self.0
                .answers
                .insert(clerk_id.clone(), (profile.clone(), Instant::now()));
        }
        result
    }

    /// Forgets a user's cached profile (a webhook said it changed).
    pub(crate) fn forget(&self, clerk_id: &ClerkId) {
        self.0.answers.remove(clerk_id);
    }

    /// How many answers are kept.
    #[cfg(test)]
    fn cached_len(&self) -> usize {
        self.0.answers.len()
    }

    fn cached(&self, clerk_id: &ClerkId) -> Option<ClerkProfile> {
        let (profile, at) = self.0.answers.get(clerk_id)?;
        if at.elapsed() < self.0.settings.cache_for {
            Some(profile)
        } else {
            self.0.answers.remove(clerk_id);
            None
        }
    }
}

impl Inner {
    fn spend_budget(&self) -> bool {
        let mut budget = lock(&self.budget);
        if budget.0.elapsed() >= self.settings.budget_window {
            *budget = (Instant::now(), 0);
        }
        if budget.1 >= self.settings.budget {
            return false;
        }
        budget.1 += 1;
        true
    }

    async fn fetch(&self, clerk_id: &ClerkId) -> Result<ClerkProfile, BackendError> {
        if !self.spend_budget() {
            return Err(BackendError::RateLimited);
        }
        let mut url = self.settings.api_url.clone();
        url.path_segments_mut()
            .map_err(|()| BackendError::Unavailable("CLERK_API_URL cannot be a base".into()))?
            .pop_if_empty()
            .extend(["v1", "users", clerk_id.as_str()]);
        let response = self
            .http
            .get(url)
            .bearer_auth(self.settings.secret_key.expose())
            .timeout(self.settings.timeout)
            .send()
            .await
            .map_err(|e| BackendError::Unavailable(e.to_string()))?;
        match response.status() {
            status if status.is_success() => {
                let user: ClerkUser = response
                    .json()
                    .await
                    .map_err(|e| BackendError::Unavailable(format!("unreadable user: {e}")))?;
                if &user.id != clerk_id {
                    return Err(BackendError::Unavailable(
                        "Clerk answered with another user".into(),
                    ));
                }
                Ok(ClerkProfile {
                    profile: user.profile(),
                    updated_at: user.updated_at().unwrap_or(OffsetDateTime::UNIX_EPOCH),
                })
            }
            StatusCode::NOT_FOUND => Err(BackendError::NotFound),
            StatusCode::TOO_MANY_REQUESTS => Err(BackendError::RateLimited),
            status => Err(BackendError::Unavailable(format!(
                "GET /v1/users/{{id}} answered {status}"
            ))),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::{Json, Router, extract::Path, routing::get};

    use super::*;

    /// A Backend API that knows every user, counting the calls.
    async fn clerk(calls: Arc<AtomicUsize>) -> Url {
        let app = Router::new().route(
            "/v1/users/{id}",
            get(move |Path(id): Path<String>| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    Json(serde_json::json!({
                        "id": id, "first_name": "Ada", "updated_at": 1_764_000_000_000_i64,
                    }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn backend(url: Url, cache_entries: usize, cache_for: Duration) -> ClerkBackend {
        let mut settings = BackendSettings::new(url, Secret::new("sk_test_backend"));
        settings.cache_entries = cache_entries;
        settings.cache_for = cache_for;
        settings.budget = 10_000;
        ClerkBackend::new(settings, reqwest::Client::new())
    }

    fn user(n: usize) -> ClerkId {
        ClerkId::parse(&format!("user_{n}")).unwrap()
    }

    #[tokio::test]
    async fn the_answer_map_is_bounded() {
        let calls = Arc::new(AtomicUsize::new(0));
        let backend = backend(clerk(calls.clone()).await, 20, Duration::from_secs(300));
        for n in 0..200 {
            backend.profile(&user(n)).await.unwrap();
            assert!(
                backend.cached_len() <= 20,
                "{} answers kept after {n} users",
                backend.cached_len()
            );
        }
        let before = calls.load(Ordering::SeqCst);
        backend.profile(&user(199)).await.unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            before,
            "the latest answer is reused"
        );
    }

    #[tokio::test]
    async fn an_answer_is_asked_again_once_it_is_older_than_cache_for() {
        let calls = Arc::new(AtomicUsize::new(0));
        let url = clerk(calls.clone()).await;
        let fresh = backend(url.clone(), 20, Duration::from_secs(300));
        fresh.profile(&user(1)).await.unwrap();
        fresh.profile(&user(1)).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "reused while fresh");
        let expired = backend(url, 20, Duration::ZERO);
        expired.profile(&user(1)).await.unwrap();
        expired.profile(&user(1)).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3, "asked again once expired");
    }
}
