//! What the core needs from the outside world, as traits the infrastructure implements.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{
    ClerkId, Profile, ProfileFields, User, UserId,
    project::{Project, ProjectCursor, ProjectDescription, ProjectId, ProjectName},
};

/// Why the store could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepositoryError {
    /// The store cannot be reached now (connection refused, pool exhausted): a 503, retry later.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The store answered with an error: a bug or a broken invariant, a 500.
    #[error("the store failed: {0}")]
    Failed(String),
}

/// A stored user row, tombstones included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user: User,
    /// How fresh the stored profile is, in Clerk's time: the `updated_at` of the webhook or the
    /// `iat` of the token it came from. `None` for rows written before either was known.
    pub clerk_updated_at: Option<OffsetDateTime>,
    /// Set once the user was deleted in Clerk. Such a row is never revived.
    pub deleted_at: Option<OffsetDateTime>,
}

impl UserRecord {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// True when what is stored is newer than `as_of`, so information from `as_of` is stale.
    pub fn is_newer_than(&self, as_of: OffsetDateTime) -> bool {
        self.clerk_updated_at.is_some_and(|stored| stored > as_of)
    }
}

/// Where a change comes from. A webhook is Clerk's own record of a change, so it also moves
/// the stored freshness forward when nothing visible changed; a session token only writes
/// when its claims differ, so that steady traffic writes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    SessionToken,
    Webhook,
}

/// "As of `as_of`, Clerk says this user has this profile" — for the `fields` it speaks for.
///
/// A change that speaks for only some fields writes only those and leaves the stored
/// freshness where it was: it cannot vouch for the fields it did not carry, so a later
/// webhook (Clerk's whole record) must still find the row older than itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub clerk_id: ClerkId,
    pub profile: Profile,
    pub fields: ProfileFields,
    pub as_of: OffsetDateTime,
    pub source: ChangeSource,
}

impl UserChange {
    /// The freshness a write of this change records: `as_of` for a whole profile, nothing
    /// new for a partial one.
    pub fn stamp(&self) -> Option<OffsetDateTime> {
        self.fields.is_all().then_some(self.as_of)
    }
}

/// The users table, as the use cases need it. Implementations must make each method a single
/// atomic step: the use cases rely on `insert` never overwriting and `update` never touching
/// a tombstone or a fresher row, whatever runs concurrently.
#[async_trait]
pub trait UserRepository: Send + Sync {
    async fn find_by_clerk_id(
        &self,
        clerk_id: &ClerkId,
    ) -> Result<Option<UserRecord>, RepositoryError>;

    /// Creates the row (the fields `change` does not speak for stay empty; the freshness is
    /// [`UserChange::stamp`]). `None` when a row with this Clerk id exists already (another request
    /// or a webhook won the race, or the user is a tombstone).
    async fn insert(&self, change: &UserChange) -> Result<Option<User>, RepositoryError>;

    /// Writes the fields the change speaks for to a live row whose stored freshness is not
    /// newer than `change.as_of` and whose profile differs in those fields — or, for a
    /// webhook, whose stored freshness is strictly older (Clerk confirmed the profile later).
    /// The freshness becomes [`UserChange::stamp`] when that is set, else stays. `None` when
    /// nothing was written.
    async fn update(&self, change: &UserChange) -> Result<Option<User>, RepositoryError>;

    /// Marks the user deleted at `at`, clearing personal fields; creates a tombstone when no
    /// row exists, so that a late `user.created` cannot create the user afterwards. Returns
    /// true when the user was live (or unknown) before.
    async fn tombstone(
        &self,
        clerk_id: &ClerkId,
        at: OffsetDateTime,
    ) -> Result<bool, RepositoryError>;
}

/// A project to create, its fields already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub name: ProjectName,
    pub description: ProjectDescription,
}

/// What an edit changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectChanges {
    pub name: Option<ProjectName>,
    pub description: Option<ProjectDescription>,
}

impl ProjectChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none()
    }
}

/// Why a project could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectWriteError {
    /// The owner has another project whose name differs only in case. The store decides this
    /// (a unique index), so that two concurrent requests cannot both win.
    #[error("the owner already has a project with this name")]
    DuplicateName,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// The projects table, as the use cases need it. Every method is scoped by `owner`: a row of
/// another owner is never read, listed, changed or deleted, whatever the id says.
#[async_trait]
pub trait ProjectRepository: Send + Sync {
    /// Creates the project. `None` when `owner` is not a live user: a deletion that commits
    /// first wins, so no project outlives its owner's tombstone.
    async fn insert(
        &self,
        owner: UserId,
        project: &NewProject,
    ) -> Result<Option<Project>, ProjectWriteError>;

    async fn find(&self, owner: UserId, id: ProjectId) -> Result<Option<Project>, RepositoryError>;

    /// Up to `limit` projects, newest first (`created_at` then `id`, both descending), starting
    /// strictly after `after`.
    async fn list(
        &self,
        owner: UserId,
        after: Option<&ProjectCursor>,
        limit: usize,
    ) -> Result<Vec<Project>, RepositoryError>;

    /// Applies the changes; `updated_at` moves only when a value actually changes. `None`
    /// when the owner has no such project.
    async fn update(
        &self,
        owner: UserId,
        id: ProjectId,
        changes: &ProjectChanges,
    ) -> Result<Option<Project>, ProjectWriteError>;

    /// True when a project was deleted.
    async fn delete(&self, owner: UserId, id: ProjectId) -> Result<bool, RepositoryError>;
}
