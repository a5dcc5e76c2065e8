//! Verified session tokens, remembered until they expire.
//!
//! A browser sends the same session token with every request for about a minute (clerk-js
//! refreshes it shortly before its 60 s run out). Checking its RS256 signature again each time
//! costs more than everything else on the warm path together (see docs/benchmarks.md), so a
//! token that passed every check is remembered, by its exact text, and only its expiry is
//! checked again. Nothing that failed is remembered.
//!
//! The trade-off, stated: a key removed from Clerk's JWKS stops new tokens at once, but a
//! token verified with it before keeps working until it expires (at most its lifetime,
//! 60 s for Clerk). User deletion is unaffected: it is checked per user, not per token.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use super::verify::VerifiedSession;

pub struct SessionCache {
    entries: RwLock<HashMap<Box<str>, Arc<VerifiedSession>>>,
    capacity: usize,
    /// Seconds of clock skew, as in the verifier: a remembered token expires exactly when a
    /// fresh verification would call it expired.
    skew_secs: i64,
}

impl SessionCache {
    pub fn new(capacity: usize, skew_secs: i64) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            capacity,
            skew_secs,
        }
    }

    /// The session of a token verified before and not expired at `now`.
    pub fn get(&self, token: &str, now: i64) -> Option<Arc<VerifiedSession>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let session = entries.get(token)?;
        (session.expires_at > now - self.skew_secs).then(|| session.clone())
    }

    pub fn insert(&self, token: &str, session: Arc<VerifiedSession>, now: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            let horizon = now - self.skew_secs;
            entries.retain(|_, session| session.expires_at > horizon);
            if entries.len() >= self.capacity {
                // Still full of live tokens: start over; each is one verification away.
                entries.clear();
            }
        }
        entries.insert(token.into(), session);
    }

    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use populatte::ClerkId;
    use time::OffsetDateTime;

    use super::*;

    fn session(expires_at: i64) -> Arc<VerifiedSession> {
        Arc::new(VerifiedSession {
            clerk_id: ClerkId::parse("user_ada").unwrap(),
            session_id: "sess_ada".into(),
            issued_at: OffsetDateTime::UNIX_EPOCH,
            expires_at,
            profile: None,
            fields: populatte::ProfileFields::NONE,
            azp_missing: false,
        })
    }

    #[test]
    fn a_remembered_token_expires_when_verification_would_say_so() {
        let cache = SessionCache::new(10, 5);
        cache.insert("a.b.c", session(1_000), 900);
        assert!(cache.get("a.b.c", 1_000).is_some(), "inside the skew");
        assert!(cache.get("a.b.c", 1_004).is_some());
        assert!(
            cache.get("a.b.c", 1_005).is_none(),
            "exp <= now - skew is expired"
        );
    }

    #[test]
    fn only_the_exact_token_text_matches() {
        let cache = SessionCache::new(10, 5);
        cache.insert("a.b.c", session(1_000), 900);
        assert!(cache.get("a.b.d", 900).is_none());
        assert!(cache.get("a.b.c ", 900).is_none());
        assert!(cache.get("A.b.c", 900).is_none());
    }

    #[test]
    fn a_full_cache_drops_expired_tokens_first_and_never_grows_past_capacity() {
        let cache = SessionCache::new(3, 0);
        cache.insert("old", session(100), 50);
        cache.insert("live1", session(1_000), 50);
        cache.insert("live2", session(1_000), 50);
        cache.insert("live3", session(1_000), 500);
        assert!(cache.get("old", 500).is_none());
        assert!(
            cache.get("live1", 500).is_some(),
            "live tokens survive the sweep"
        );
        for i in 0..10 {
            cache.insert(&format!("t{i}"), session(1_000), 500);
            assert!(cache.len() <= 3);
        }
    }
}
