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

use std::sync::Arc;

use quick_cache::{Weighter, sync::Cache};

use super::verify::VerifiedSession;
#[cfg(test)]
use crate::config::CacheConfig;

/// What one remembered token is estimated to cost beyond its text and strings: the session's
/// fixed fields, the `Arc`, and the cache's own slot.
const ENTRY_OVERHEAD_BYTES: u64 = 160;

/// Weighs an entry by the bytes it holds, so that the bound is one of memory, whatever the
/// length of the tokens (a session-token template can make them several kilobytes).
#[derive(Clone)]
struct ByBytes;

impl Weighter<Box<str>, Arc<VerifiedSession>> for ByBytes {
    fn weight(&self, token: &Box<str>, session: &Arc<VerifiedSession>) -> u64 {
        let profile = session.profile.as_ref().map_or(0, |p| {
            [&p.email, &p.first_name, &p.last_name, &p.image_url]
                .into_iter()
                .map(|field| field.as_ref().map_or(0, String::len))
                .sum::<usize>()
        });
        (token.len() + session.session_id.len() + session.clerk_id.as_str().len() + profile) as u64
            + ENTRY_OVERHEAD_BYTES
    }
}

/// Bounded in bytes: a full cache evicts the tokens least likely to be used again (S3-FIFO),
/// never everything at once, and an insert costs the same whether it is full or not.
pub struct SessionCache {
    entries: Cache<Box<str>, Arc<VerifiedSession>, ByBytes>,
    /// Seconds of clock skew, as in the verifier: a remembered token expires exactly when a
    /// fresh verification would call it expired.
    skew_secs: i64,
}

impl SessionCache {
    pub(crate) fn new(capacity_bytes: u64, skew_secs: i64) -> Self {
        // The estimate only sizes the first allocation: about 1 KiB per Clerk session token.
        let estimated_items = usize::try_from(capacity_bytes / 1024).unwrap_or(usize::MAX);
        Self {
            entries: Cache::with_weighter(estimated_items.max(1), capacity_bytes, ByBytes),
            skew_secs,
        }
    }

    /// The session of a token verified before and not expired at `now`.
    pub(crate) fn get(&self, token: &str, now: i64) -> Option<Arc<VerifiedSession>> {
        let session = self.entries.get(token)?;
        if session.expires_at > now - self.skew_secs {
            Some(session)
        } else {
            // Expired tokens would otherwise wait for eviction: free the room now.
            self.entries.remove(token);
            None
        }
    }

    pub(crate) fn insert(&self, token: &str, session: Arc<VerifiedSession>) {
        self.entries.insert(token.into(), session);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The bytes the entries weigh (what `AUTH_TOKEN_CACHE_MIB` bounds).
    pub fn weight(&self) -> u64 {
        self.entries.weight()
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

    /// What the test entries weigh: tokens `t0` to `t999` are 2 to 4 bytes long.
    fn weight_of(token: &str) -> u64 {
        ByBytes.weight(&Box::from(token), &session(0))
    }

    #[test]
    fn a_remembered_token_expires_when_verification_would_say_so() {
        let cache = SessionCache::new(CacheConfig::DEFAULT_TOKEN_CACHE_BYTES, 5);
        cache.insert("a.b.c", session(1_000));
        assert!(cache.get("a.b.c", 1_000).is_some(), "inside the skew");
        assert!(cache.get("a.b.c", 1_004).is_some());
        assert!(
            cache.get("a.b.c", 1_005).is_none(),
            "exp <= now - skew is expired"
        );
        assert!(
            cache.is_empty(),
            "an expired token is dropped when asked for"
        );
    }

    #[test]
    fn only_the_exact_token_text_matches() {
        let cache = SessionCache::new(CacheConfig::DEFAULT_TOKEN_CACHE_BYTES, 5);
        cache.insert("a.b.c", session(1_000));
        assert!(cache.get("a.b.d", 900).is_none());
        assert!(cache.get("a.b.c ", 900).is_none());
        assert!(cache.get("A.b.c", 900).is_none());
    }

    #[test]
    fn an_entry_weighs_its_token_and_its_strings() {
        let long = "x".repeat(4_000);
        assert_eq!(weight_of(&long) - weight_of("x"), 3_999);
    }

    #[test]
    fn a_full_cache_evicts_some_tokens_instead_of_forgetting_all() {
        let capacity = 100 * weight_of("t500");
        let cache = SessionCache::new(capacity, 0);
        for i in 0..1_000 {
            cache.insert(&format!("t{i}"), session(10_000));
            assert!(
                cache.weight() <= capacity,
                "the bound holds after {i} inserts"
            );
            if i >= 100 {
                assert!(
                    cache.len() >= 50,
                    "a full cache dropped most of its live tokens at insert {i}: {} left",
                    cache.len()
                );
            }
            assert!(
                cache.get(&format!("t{i}"), 500).is_some(),
                "the newest is kept"
            );
        }
    }

    #[test]
    fn tokens_larger_than_the_whole_cache_are_not_kept() {
        let cache = SessionCache::new(1_000, 0);
        cache.insert(&"x".repeat(2_000), session(10_000));
        assert!(cache.is_empty());
    }
}
