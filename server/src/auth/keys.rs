//! The public keys session tokens are checked against: one PEM key (`CLERK_JWT_KEY`, no
//! network), or Clerk's JWKS fetched over HTTP and cached.
//!
//! The JWKS cache improves on Clerk's SDK, which refetches on every unknown `kid`: here an
//! unknown `kid` triggers at most one fetch per cool-down, only one fetch is ever in flight,
//! and a failed fetch keeps the last good keys. Nobody queues behind a slow fetch: a request
//! that finds one in flight waits at most half a second for it, then answers from the keys
//! in hand. The fetch is a task of its own, never part of the request that started it: a
//! client that hangs up mid-fetch would otherwise cancel it and leave it marked in flight
//! for the whole cool-down, which anyone could repeat with a garbage token. An unknown `kid`
//! is called unknown (401) only when the latest fetch succeeded; while the endpoint is
//! failing, or before it ever answered, it is an outage (503), because a 401 makes browsers
//! sign out.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use url::Url;

use crate::{config::Secret, retry::Backoff};

/// The answer to "which key has this `kid`?".
#[derive(Clone)]
pub(crate) enum KeyLookup {
    Found(Arc<DecodingKey>),
    /// The JWKS was fetched and has no such key: the token is not ours.
    Unknown,
    /// No usable JWKS: the endpoint failed. Not the client's fault.
    Unavailable(String),
}

#[derive(Clone)]
pub struct KeyStore(Source);

#[derive(Clone)]
enum Source {
    Static(Arc<DecodingKey>),
    Remote(Arc<RemoteJwks>),
}

/// How the JWKS is fetched and cached.
#[derive(Debug, Clone)]
pub(crate) struct JwksSettings {
    pub(crate) url: Url,
    /// Clerk's Backend API wants the secret key; a plain JWKS URL needs nothing.
    pub(crate) bearer: Option<Secret>,
    /// Keys older than this are refreshed in the background while still being used.
    pub(crate) max_age: Duration,
    /// The least time between two fetches caused by unknown `kid`s.
    pub(crate) cooldown: Duration,
    /// Tries per fetch (with backoff) before the fetch counts as failed.
    pub(crate) attempts: u32,
    pub(crate) timeout: Duration,
}

impl JwksSettings {
    pub(crate) fn new(url: Url, bearer: Option<Secret>) -> Self {
        Self {
            url,
            bearer,
            max_age: Duration::from_secs(300),
            cooldown: Duration::from_secs(2),
            attempts: 3,
            timeout: Duration::from_secs(3),
        }
    }
}

impl KeyStore {
    /// `CLERK_JWT_KEY`: one RSA public key in PEM, used whatever the token's `kid`.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        DecodingKey::from_rsa_pem(pem.as_bytes())
            .map(|key| Self(Source::Static(Arc::new(key))))
            .map_err(|e| format!("not an RSA public key in PEM: {e}"))
    }

    pub(crate) fn remote(settings: JwksSettings, http: reqwest::Client) -> Self {
        Self(Source::Remote(Arc::new(RemoteJwks {
            settings,
            http,
            state: RwLock::new(State::default()),
            fetched: tokio::sync::watch::Sender::new(0),
        })))
    }

    pub(crate) async fn key(&self, kid: Option<&str>) -> KeyLookup {
        match &self.0 {
            Source::Static(key) => KeyLookup::Found(key.clone()),
            Source::Remote(jwks) => match kid {
                Some(kid) => jwks.key(kid).await,
                None => KeyLookup::Unknown,
            },
        }
    }
}

/// The longest a request waits for somebody else's JWKS fetch.
const IN_FLIGHT_WAIT: Duration = Duration::from_millis(500);

#[derive(Default)]
struct State {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched_at: Option<Instant>,
    /// When the latest fetch started: the cool-down counts from here, so a fetch that hangs
    /// for seconds does not invite more of them.
    attempted_at: Option<Instant>,
    /// Set while a fetch runs and after one failed; cleared by a successful fetch.
    doubt: Option<Doubt>,
    /// A fetch task is running: the single-flight flag.
    fetching: bool,
}

#[derive(Clone)]
enum Doubt {
    InFlight,
    Failed(String),
}

struct RemoteJwks {
    settings: JwksSettings,
    http: reqwest::Client,
    state: RwLock<State>,
    /// Counts finished fetches, so that requests can wait for the one in flight.
    fetched: tokio::sync::watch::Sender<u64>,
}

impl RemoteJwks {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn cooled_down(&self, state: &State) -> bool {
        state
            .attempted_at
            .is_none_or(|at| at.elapsed() >= self.settings.cooldown)
    }

    fn answer(&self, kid: &str) -> KeyLookup {
        let state = self.read();
        match (state.keys.get(kid), &state.doubt) {
            (Some(key), _) => KeyLookup::Found(key.clone()),
            (None, None) if state.fetched_at.is_some() => KeyLookup::Unknown,
            (None, Some(Doubt::Failed(error))) => KeyLookup::Unavailable(error.clone()),
            (None, _) => KeyLookup::Unavailable("the JWKS is being fetched".into()),
        }
    }

    async fn key(self: &Arc<Self>, kid: &str) -> KeyLookup {
        // Subscribed before looking, so that a fetch ending in between still wakes us.
        let mut fetched = self.fetched.subscribe();
        let (hit, stale) = {
            let state = self.read();
            let stale = state
                .fetched_at
                .is_none_or(|at| at.elapsed() >= self.settings.max_age);
            (state.keys.get(kid).cloned(), stale)
        };
        if let Some(key) = hit {
            if stale {
                // Serve the known key now; refresh behind the request.
                self.start_fetch();
            }
            return KeyLookup::Found(key);
        }
        let started = self.start_fetch();
        if !started && !self.read().fetching {
            return self.answer(kid);
        }
        // The request that started the fetch waits for it (the fetch is bounded by its
        // attempts and timeouts); the others wait a moment (a cold start sends many requests
        // at once), never for the seconds a failing endpoint can take. Either way the fetch
        // runs to its end if they stop waiting or are dropped.
        if started {
            let _ = fetched.changed().await;
        } else {
            let _ = tokio::time::timeout(IN_FLIGHT_WAIT, fetched.changed()).await;
        }
        self.answer(kid)
    }

    /// Starts a fetch in a task of its own unless one is running or the cool-down since the
    /// last one has not passed. True if it started one.
    fn start_fetch(self: &Arc<Self>) -> bool {
        if !self.claim_fetch() {
            return false;
        }
        let jwks = self.clone();
        tokio::spawn(async move { jwks.run_fetch().await });
        true
    }

    /// Marks a fetch in flight, if none is and the cool-down has passed. True if it did: the
    /// caller must then run [`Self::run_fetch`].
    fn claim_fetch(&self) -> bool {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.fetching || !self.cooled_down(&state) {
            return false;
        }
        state.fetching = true;
        state.attempted_at = Some(Instant::now());
        if !matches!(state.doubt, Some(Doubt::Failed(_))) {
            state.doubt = Some(Doubt::InFlight);
        }
        true
    }

    async fn run_fetch(&self) {
        // Clears the flag and wakes the waiters however the fetch ends.
        let _done = FetchDone(self);
        self.fetch().await;
    }

    /// One fetch with bounded retries; the keys are replaced only on success. Run only by
    /// [`Self::run_fetch`].
    async fn fetch(&self) {
        // Bounded by the number of attempts, not by a cap on the delay.
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::MAX);
        let mut last_error = String::new();
        for attempt in 1..=self.settings.attempts.max(1) {
            match self.fetch_once().await {
                Ok(keys) => {
                    tracing::info!(keys = keys.len(), url = %self.settings.url, "JWKS fetched");
                    let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
                    state.keys = keys;
                    state.fetched_at = Some(Instant::now());
                    state.doubt = None;
                    return;
                }
                Err(error) => {
                    tracing::warn!(attempt, %error, url = %self.settings.url, "JWKS fetch failed");
                    last_error = error;
                }
            }
            if attempt < self.settings.attempts {
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
        // The last good keys stay; only unknown `kid`s are now answered as an outage.
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.doubt = Some(Doubt::Failed(last_error));
    }

    async fn fetch_once(&self) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
        let mut request = self
            .http
            .get(self.settings.url.clone())
            .timeout(self.settings.timeout);
        if let Some(secret) = &self.settings.bearer {
            request = request.bearer_auth(secret.expose());
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the JWKS endpoint answered {status}"));
        }
        let jwks: Jwks = response
            .json()
            .await
            .map_err(|e| format!("the JWKS is not valid JSON: {e}"))?;
        let keys = jwks.usable_keys();
        if keys.is_empty() {
            return Err("the JWKS has no RS256 signing keys".into());
        }
        Ok(keys)
    }
}

/// Ends a fetch task: clears the single-flight flag, then tells the waiters. A `Drop`, so
/// that a panicking fetch cannot leave the flag set.
struct FetchDone<'a>(&'a RemoteJwks);

impl Drop for FetchDone<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.write().unwrap_or_else(|e| e.into_inner());
        state.fetching = false;
        // A fetch that never finished (a panic) leaves the outage it was, not "in flight".
        if matches!(state.doubt, Some(Doubt::InFlight)) {
            state.doubt = Some(Doubt::Failed("the JWKS fetch stopped".into()));
        }
        drop(state);
        self.0
            .fetched
            .send_modify(|count| *count = count.wrapping_add(1));
    }
}

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl Jwks {
    /// RSA signing keys with a `kid`; anything else in the set is skipped, not fatal.
    fn usable_keys(self) -> HashMap<String, Arc<DecodingKey>> {
        self.keys
            .into_iter()
            .filter(|k| k.kty == "RSA")
            .filter(|k| k.alg.as_deref().is_none_or(|a| a == "RS256"))
            .filter(|k| k.usage.as_deref().is_none_or(|u| u == "sig"))
            .filter_map(|k| {
                let key =
                    DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
                Some((k.kid?, Arc::new(key)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rsa_signing_keys_with_a_kid_are_kept() {
        let jwks: Jwks = serde_json::from_value(serde_json::json!({"keys": [
            {"kid": "good", "kty": "RSA", "alg": "RS256", "use": "sig", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"},
                {"kid": "ec", "kty": "EC", "crv": "P-256", "x": "x", "y": "y"},
                {"kid": "enc", "kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"},
                {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
                {"kid": "rs512", "kty": "RSA", "alg": "RS512", "n": "AQAB", "e": "AQAB"},
        ]}))
        .unwrap();
        let keys = jwks.usable_keys();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["good"]);
    }

    /// A JWKS endpoint on a local socket that holds every answer until `release` says true,
    /// counting the requests it got.
    async fn held_jwks(
        body: String,
    ) -> (
        Url,
        tokio::sync::watch::Sender<bool>,
        tokio::sync::watch::Receiver<usize>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/jwks", listener.local_addr().unwrap())).unwrap();
        let (release, released) = tokio::sync::watch::channel(false);
        let (count, calls) = tokio::sync::watch::channel(0);
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let (body, mut released) = (body.clone(), released.clone());
                count.send_modify(|n| *n += 1);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        let n = socket.read(&mut buffer).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        request.extend_from_slice(&buffer[..n]);
                    }
                    released.wait_for(|go| *go).await.unwrap();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    // The caller may have gone; nothing to do about it.
                    let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
                });
            }
        });
        (url, release, calls)
    }

    #[tokio::test]
    async fn a_caller_dropped_mid_fetch_does_not_cancel_the_fetch() {
        let jwks = serde_json::json!({"keys": [{
            "kid": "good", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB",
            "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"
        }]});
        let (url, release, mut calls) = held_jwks(jwks.to_string()).await;
        let store = KeyStore::remote(JwksSettings::new(url, None), reqwest::Client::new());
        {
            // The first caller starts the fetch, then goes away while the endpoint holds it
            // (a client hanging up drops its request's future just so).
            let first = store.key(Some("good"));
            tokio::pin!(first);
            tokio::select! {
                _ = &mut first => panic!("answered while the endpoint holds the JWKS"),
                seen = calls.wait_for(|n| *n == 1) => { seen.unwrap(); }
            }
        }
        release.send(true).unwrap();
        // Within the cool-down, so only the fetch the dropped caller started can answer.
        assert!(matches!(store.key(Some("good")).await, KeyLookup::Found(_)));
        assert_eq!(*calls.borrow(), 1, "one fetch");
    }

    #[tokio::test]
    async fn a_static_key_answers_for_any_kid() {
        let store =
            KeyStore::from_pem(include_str!("../../tests/fixtures/test_key_a.pub.pem")).unwrap();
        assert!(matches!(
            store.key(Some("whatever")).await,
            KeyLookup::Found(_)
        ));
        assert!(matches!(store.key(None).await, KeyLookup::Found(_)));
    }

    #[test]
    fn a_pem_that_is_not_an_rsa_key_is_refused() {
        assert!(
            KeyStore::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .is_err()
        );
    }
}
