//! An in-memory `UserRepository` for the core's unit tests, with the same atomicity as the
//! SQL one and a hook to play a concurrent writer between two steps of a use case; and an
//! in-memory `ProjectRepository` (in `testing/projects.rs`).

mod projects;

pub(crate) use projects::InMemoryProjects;

use std::{
    collections::HashMap,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    ClerkId, User, UserId,
    ports::{ChangeSource, RepositoryError, UserChange, UserRecord, UserRepository},
};

type Hook = Box<dyn Fn(&InMemoryUsers) + Send + Sync>;

#[derive(Default)]
pub(crate) struct InMemoryUsers {
    rows: Mutex<HashMap<ClerkId, UserRecord>>,
    pub writes: AtomicUsize,
    pub reads: AtomicUsize,
    /// Runs once, right before the next insert or update: "another request got there first".
    before_write: Mutex<Option<Hook>>,
    pub unavailable: std::sync::atomic::AtomicBool,
}

impl InMemoryUsers {
    pub(crate) fn rows(&self) -> MutexGuard<'_, HashMap<ClerkId, UserRecord>> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn record(&self, clerk_id: &ClerkId) -> Option<UserRecord> {
        self.rows().get(clerk_id).cloned()
    }

    pub(crate) fn before_next_write(&self, hook: impl Fn(&InMemoryUsers) + Send + Sync + 'static) {
        *self.before_write.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(hook));
    }

    fn run_hook(&self) {
        let hook = self
            .before_write
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(hook) = hook {
            hook(self);
        }
    }

    fn check(&self) -> Result<(), RepositoryError> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(RepositoryError::Unavailable("connection refused".into()))
        } else {
            Ok(())
        }
    }

    /// Tombstones the user synchronously, as another process would.
    pub(crate) fn mark_deleted(&self, clerk_id: &ClerkId, at: OffsetDateTime) -> bool {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let mut rows = self.rows();
        let record = rows.entry(clerk_id.clone()).or_insert_with(|| UserRecord {
            user: new_user(&UserChange {
                clerk_id: clerk_id.clone(),
                profile: Default::default(),
                fields: crate::ProfileFields::ALL,
                as_of: at,
                source: ChangeSource::Webhook,
            }),
            clerk_updated_at: None,
            deleted_at: None,
        });
        let was_live = record.deleted_at.is_none();
        record.deleted_at.get_or_insert(at);
        record.clerk_updated_at = Some(record.clerk_updated_at.map_or(at, |t| t.max(at)));
        let user = &mut record.user;
        user.email = None;
        user.first_name = None;
        user.last_name = None;
        user.image_url = None;
        was_live
    }

    /// Writes a row directly, as another process would.
    pub(crate) fn put(&self, change: &UserChange) {
        let user = new_user(change);
        self.rows().insert(
            change.clerk_id.clone(),
            UserRecord {
                user,
                clerk_updated_at: Some(change.as_of),
                deleted_at: None,
            },
        );
    }
}

fn new_user(change: &UserChange) -> User {
    let now = OffsetDateTime::now_utc();
    User {
        id: UserId::from_uuid(Uuid::new_v4()),
        clerk_id: change.clerk_id.clone(),
        email: change.profile.email.clone(),
        first_name: change.profile.first_name.clone(),
        last_name: change.profile.last_name.clone(),
        image_url: change.profile.image_url.clone(),
        created_at: now,
        updated_at: now,
    }
}

#[async_trait]
impl UserRepository for InMemoryUsers {
    async fn find_by_clerk_id(
        &self,
        clerk_id: &ClerkId,
    ) -> Result<Option<UserRecord>, RepositoryError> {
        self.check()?;
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.record(clerk_id))
    }

    async fn insert(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        self.check()?;
        self.run_hook();
        let mut rows = self.rows();
        if rows.contains_key(&change.clerk_id) {
            return Ok(None);
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        let user = new_user(change);
        rows.insert(
            change.clerk_id.clone(),
            UserRecord {
                user: user.clone(),
                clerk_updated_at: change.stamp(),
                deleted_at: None,
            },
        );
        Ok(Some(user))
    }

    async fn update(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        self.check()?;
        self.run_hook();
        let mut rows = self.rows();
        let Some(record) = rows.get_mut(&change.clerk_id) else {
            return Ok(None);
        };
        let not_newer = record.clerk_updated_at.is_none_or(|at| at <= change.as_of);
        let older = record.clerk_updated_at.is_none_or(|at| at < change.as_of);
        let differs = !record.user.agrees_with(&change.profile, change.fields);
        let confirms = change.source == ChangeSource::Webhook && older;
        if record.is_deleted() || !not_newer || !(differs || confirms) {
            return Ok(None);
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        let user = &mut record.user;
        user.merge(&change.profile, change.fields);
        user.updated_at = OffsetDateTime::now_utc();
        if let Some(stamp) = change.stamp() {
            record.clerk_updated_at = Some(stamp);
        }
        Ok(Some(user.clone()))
    }

    async fn tombstone(
        &self,
        clerk_id: &ClerkId,
        at: OffsetDateTime,
    ) -> Result<bool, RepositoryError> {
        self.check()?;
        Ok(self.mark_deleted(clerk_id, at))
    }
}
