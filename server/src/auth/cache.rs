//! The in-process user cache that keeps the database off the warm path.
//!
//! Keyed by Clerk id. A hit whose stored profile equals the token's claims is the answer, with
//! no database round trip. Webhooks invalidate entries on every instance (LISTEN/NOTIFY); the
//! epoch makes that race-free: a request that read the database before an invalidation may
//! not put what it read into the cache after it.

use std::{
    sync::{
        RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use populatte::{ClerkId, User};
use quick_cache::sync::Cache;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cached {
    Live(User),
    /// Deletion is forever: remembering it spares the tombstone lookup too.
    Deleted,
}

#[derive(Clone)]
struct Entry {
    value: Cached,
    stored_at: Instant,
}

/// At most `capacity` users: a full cache evicts the users least likely to be asked for again
/// (S3-FIFO), never everything at once.
pub struct UserCache {
    entries: Cache<ClerkId, Entry>,
    /// Fills share it, invalidations take it alone: a fill checks the epoch and stores as one
    /// step, so no fill that read the database before an invalidation lands after it. Reads
    /// never take it.
    fills: RwLock<()>,
    /// Off while invalidations may be missed (the notification listener is down).
    enabled: AtomicBool,
    epoch: AtomicU64,
    /// A safety net should an invalidation ever be missed: entries are re-read after this.
    max_age: Duration,
}

impl UserCache {
    /// Starts off: it is switched on once invalidations can be heard (the listener's first
    /// `LISTEN`), so nothing is served from it that a missed notification made stale.
    pub fn new(capacity: usize, max_age: Duration) -> Self {
        Self {
            entries: Cache::new(capacity.max(1)),
            fills: RwLock::new(()),
            enabled: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            max_age,
        }
    }

    pub(crate) fn get(&self, clerk_id: &ClerkId) -> Option<Cached> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let entry = self.entries.get(clerk_id)?;
        if entry.stored_at.elapsed() < self.max_age {
            Some(entry.value)
        } else {
            // Too old to trust: free the room rather than wait for eviction.
            self.entries.remove(clerk_id);
            None
        }
    }

    /// Read before going to the database; hand back to [`UserCache::insert`].
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Switches the cache on or off; off, it answers nothing and stores nothing.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Release);
        if !enabled {
            self.clear();
        }
    }

    /// Stores `value` unless something was invalidated since `epoch` was read.
    pub(crate) fn insert(&self, clerk_id: ClerkId, value: Cached, epoch: u64) -> bool {
        let _fill = self.fills.read().unwrap_or_else(|e| e.into_inner());
        if !self.enabled.load(Ordering::Acquire) || self.epoch.load(Ordering::Acquire) != epoch {
            return false;
        }
        self.entries.insert(
            clerk_id,
            Entry {
                value,
                stored_at: Instant::now(),
            },
        );
        true
    }

    pub fn invalidate(&self, clerk_id: &ClerkId) {
        let _alone = self.fills.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.remove(clerk_id);
    }

    /// Forgets everything, e.g. when notifications may have been missed.
    pub(crate) fn clear(&self) {
        let _alone = self.fills.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use populatte::UserId;
    use time::OffsetDateTime;

    use super::*;

    fn user(clerk_id: &ClerkId) -> User {
        User {
            id: UserId::from_uuid(uuid::Uuid::nil()),
            clerk_id: clerk_id.clone(),
            email: None,
            first_name: None,
            last_name: None,
            image_url: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn cache(capacity: usize, max_age: Duration) -> UserCache {
        let cache = UserCache::new(capacity, max_age);
        cache.set_enabled(true);
        cache
    }

    #[test]
    fn a_new_cache_is_off_until_switched_on() {
        let cache = UserCache::new(10, Duration::from_secs(60));
        let ada = id("user_ada");
        assert!(!cache.insert(ada.clone(), Cached::Deleted, cache.epoch()));
        assert_eq!(cache.get(&ada), None);
        assert!(!cache.is_enabled());
    }

    fn id(raw: &str) -> ClerkId {
        ClerkId::parse(raw).unwrap()
    }

    #[test]
    fn a_fill_that_started_before_an_invalidation_is_dropped() {
        let cache = cache(10, Duration::from_secs(60));
        let ada = id("user_ada");
        let epoch = cache.epoch();
        // A webhook deletes Ada while this request is reading her row.
        cache.invalidate(&ada);
        assert!(!cache.insert(ada.clone(), Cached::Live(user(&ada)), epoch));
        assert_eq!(cache.get(&ada), None);
        let epoch = cache.epoch();
        assert!(cache.insert(ada.clone(), Cached::Deleted, epoch));
        assert_eq!(cache.get(&ada), Some(Cached::Deleted));
    }

    #[test]
    fn a_disabled_cache_answers_and_keeps_nothing() {
        let cache = cache(10, Duration::from_secs(60));
        let ada = id("user_ada");
        cache.insert(ada.clone(), Cached::Deleted, cache.epoch());
        cache.set_enabled(false);
        assert_eq!(cache.get(&ada), None);
        assert!(!cache.insert(ada.clone(), Cached::Deleted, cache.epoch()));
        cache.set_enabled(true);
        assert_eq!(cache.get(&ada), None, "what was cached before is gone");
    }

    #[test]
    fn entries_expire_after_max_age() {
        let cache = cache(10, Duration::ZERO);
        let ada = id("user_ada");
        assert!(cache.insert(ada.clone(), Cached::Deleted, cache.epoch()));
        assert_eq!(cache.get(&ada), None);
        assert!(
            cache.is_empty(),
            "an expired entry is dropped when asked for"
        );
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let cache = cache(3, Duration::from_secs(60));
        for i in 0..10 {
            let clerk_id = id(&format!("user_{i}"));
            cache.insert(
                clerk_id.clone(),
                Cached::Live(user(&clerk_id)),
                cache.epoch(),
            );
            assert!(cache.len() <= 3);
        }
    }

    #[test]
    fn a_full_cache_evicts_some_users_instead_of_forgetting_all() {
        let cache = cache(100, Duration::from_secs(60));
        for i in 0..1_000 {
            let clerk_id = id(&format!("user_{i}"));
            cache.insert(
                clerk_id.clone(),
                Cached::Live(user(&clerk_id)),
                cache.epoch(),
            );
            assert!(cache.len() <= 100, "the bound holds after {i} inserts");
            if i >= 100 {
                assert!(
                    cache.len() >= 50,
                    "a full cache dropped most of its users at insert {i}: {} left",
                    cache.len()
                );
            }
            assert!(cache.get(&clerk_id).is_some(), "the newest is kept");
        }
    }
}
