//! The users table: `populatte::UserRepository` over PostgreSQL.
//!
//! Each method is one statement, so the guarantees the use cases rely on hold under any
//! concurrency: `insert` is `ON CONFLICT DO NOTHING` (fifty first requests make one row),
//! `update` writes only a live row whose stored freshness is older and whose fields differ
//! (`IS DISTINCT FROM`), merging just the fields the change carries, and `tombstone` is an
//! upsert that never un-deletes.

use async_trait::async_trait;
use populatte::{
    ChangeSource, ClerkId, RepositoryError, User, UserChange, UserId, UserRecord, UserRepository,
};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{Db, Tx, repository_error};

/// Users through the pool: each call is its own statement.
#[derive(Clone)]
pub struct PgUsers {
    pool: Db,
}

impl PgUsers {
    /// A `PgPool` is taken as a direct connection.
    pub fn new(pool: impl Into<Db>) -> Self {
        Self { pool: pool.into() }
    }
}

/// Users inside one transaction, so that a webhook's idempotency record and its change
/// commit together.
pub(crate) struct PgUsersInTx<'t> {
    tx: Mutex<&'t mut Tx>,
}

impl<'t> PgUsersInTx<'t> {
    pub(crate) fn new(tx: &'t mut Tx) -> Self {
        Self { tx: Mutex::new(tx) }
    }
}

struct Row {
    id: Uuid,
    clerk_id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    image_url: Option<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    clerk_updated_at: Option<OffsetDateTime>,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_record(self) -> Result<UserRecord, RepositoryError> {
        // The table's check constraint guarantees the format; a failure here is a bug.
        let clerk_id = ClerkId::parse(&self.clerk_id)
            .map_err(|e| RepositoryError::Failed(format!("stored clerk_id is invalid: {e}")))?;
        Ok(UserRecord {
            user: User {
                id: UserId::from_uuid(self.id),
                clerk_id,
                email: self.email,
                first_name: self.first_name,
                last_name: self.last_name,
                image_url: self.image_url,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            clerk_updated_at: self.clerk_updated_at,
            deleted_at: self.deleted_at,
        })
    }
}

#[tracing::instrument(skip_all, fields(clerk_id = %clerk_id))]
async fn find(
    db: impl PgExecutor<'_>,
    clerk_id: &ClerkId,
) -> Result<Option<UserRecord>, RepositoryError> {
    sqlx::query_as!(
        Row,
        r#"select id, clerk_id, email, first_name, last_name, image_url, created_at,
                  updated_at, clerk_updated_at, deleted_at
           from users where clerk_id = $1"#,
        clerk_id.as_str()
    )
    .fetch_optional(db)
    .await
    .map_err(repository_error)?
    .map(Row::into_record)
    .transpose()
}

#[tracing::instrument(skip_all, fields(clerk_id = %change.clerk_id))]
async fn insert(
    db: impl PgExecutor<'_>,
    change: &UserChange,
) -> Result<Option<User>, RepositoryError> {
    let p = &change.profile;
    let row = sqlx::query_as!(
        Row,
        r#"insert into users (clerk_id, email, first_name, last_name, image_url, clerk_updated_at)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (clerk_id) do nothing
           returning id, clerk_id, email, first_name, last_name, image_url, created_at,
                     updated_at, clerk_updated_at, deleted_at"#,
        change.clerk_id.as_str(),
        p.email,
        p.first_name,
        p.last_name,
        p.image_url,
        change.stamp(),
    )
    .fetch_optional(db)
    .await
    .map_err(repository_error)?;
    Ok(row.map(Row::into_record).transpose()?.map(|r| r.user))
}

#[tracing::instrument(skip_all, fields(clerk_id = %change.clerk_id))]
async fn update(
    db: impl PgExecutor<'_>,
    change: &UserChange,
) -> Result<Option<User>, RepositoryError> {
    let p = &change.profile;
    let known = change.fields;
    // Only the fields the change speaks for are compared and written; the stored freshness
    // moves only with a whole profile (`stamp`), see `UserChange`.
    let row = sqlx::query_as!(
        Row,
        r#"update users
           set email = case when $7 then $2 else email end,
               first_name = case when $8 then $3 else first_name end,
               last_name = case when $9 then $4 else last_name end,
               image_url = case when $10 then $5 else image_url end,
               clerk_updated_at = coalesce($11, clerk_updated_at),
               updated_at = now()
           where clerk_id = $1
             and deleted_at is null
             and (clerk_updated_at is null or clerk_updated_at <= $6)
             and (($7 and email is distinct from $2) or ($8 and first_name is distinct from $3)
                  or ($9 and last_name is distinct from $4)
                  or ($10 and image_url is distinct from $5)
                  or ($12 and (clerk_updated_at is null or clerk_updated_at < $6)))
           returning id, clerk_id, email, first_name, last_name, image_url, created_at,
                     updated_at, clerk_updated_at, deleted_at"#,
        change.clerk_id.as_str(),
        p.email,
        p.first_name,
        p.last_name,
        p.image_url,
        change.as_of,
        known.email,
        known.first_name,
        known.last_name,
        known.image_url,
        change.stamp(),
        change.source == ChangeSource::Webhook,
    )
    .fetch_optional(db)
    .await
    .map_err(repository_error)?;
    Ok(row.map(Row::into_record).transpose()?.map(|r| r.user))
}

#[tracing::instrument(skip_all, fields(clerk_id = %clerk_id))]
async fn tombstone(
    db: impl PgExecutor<'_>,
    clerk_id: &ClerkId,
    at: OffsetDateTime,
) -> Result<bool, RepositoryError> {
    // `prior` reads the snapshot from before this statement: was the user live (or unknown)?
    let was_live = sqlx::query_scalar!(
        r#"with prior as (select deleted_at from users where clerk_id = $1)
           insert into users (clerk_id, deleted_at, clerk_updated_at)
           values ($1, $2, $2)
           on conflict (clerk_id) do update
           set deleted_at = coalesce(users.deleted_at, excluded.deleted_at),
               clerk_updated_at = greatest(users.clerk_updated_at, excluded.clerk_updated_at),
               email = null, first_name = null, last_name = null, image_url = null,
               updated_at = now()
           returning (select deleted_at from prior) is null as "was_live!""#,
        clerk_id.as_str(),
        at,
    )
    .fetch_one(db)
    .await
    .map_err(repository_error)?;
    Ok(was_live)
}

#[async_trait]
impl UserRepository for PgUsers {
    async fn find_by_clerk_id(
        &self,
        clerk_id: &ClerkId,
    ) -> Result<Option<UserRecord>, RepositoryError> {
        find(&self.pool, clerk_id).await
    }

    async fn insert(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        insert(&self.pool, change).await
    }

    async fn update(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        update(&self.pool, change).await
    }

    async fn tombstone(
        &self,
        clerk_id: &ClerkId,
        at: OffsetDateTime,
    ) -> Result<bool, RepositoryError> {
        tombstone(&self.pool, clerk_id, at).await
    }
}

#[async_trait]
impl UserRepository for PgUsersInTx<'_> {
    async fn find_by_clerk_id(
        &self,
        clerk_id: &ClerkId,
    ) -> Result<Option<UserRecord>, RepositoryError> {
        let mut tx = self.tx.lock().await;
        find(&mut **tx, clerk_id).await
    }

    async fn insert(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        let mut tx = self.tx.lock().await;
        insert(&mut **tx, change).await
    }

    async fn update(&self, change: &UserChange) -> Result<Option<User>, RepositoryError> {
        let mut tx = self.tx.lock().await;
        update(&mut **tx, change).await
    }

    async fn tombstone(
        &self,
        clerk_id: &ClerkId,
        at: OffsetDateTime,
    ) -> Result<bool, RepositoryError> {
        let mut tx = self.tx.lock().await;
        tombstone(&mut **tx, clerk_id, at).await
    }
}
