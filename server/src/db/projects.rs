//! The projects table: `populatte::ProjectRepository` over PostgreSQL.
//!
//! Every statement filters by `owner_id`, so a request can only ever reach its own user's rows,
//! whatever id it sends. Name uniqueness is the unique index's job (two concurrent creates
//! cannot both win); its violation is recognised by the index's name.

use async_trait::async_trait;
use populatte::{
    NewProject, Project, ProjectChanges, ProjectId, ProjectRepository, ProjectWriteError,
    RepositoryError, UserId,
    project::{ProjectCursor, ProjectDescription, ProjectName},
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Db, repository_error};

/// The unique index on `(owner_id, lower(name))`, as named in the migration.
const NAME_KEY: &str = "projects_owner_id_lower_name_key";

#[derive(Clone)]
pub struct PgProjects {
    pool: Db,
}

impl PgProjects {
    /// A `PgPool` is taken as a direct connection.
    pub fn new(pool: impl Into<Db>) -> Self {
        Self { pool: pool.into() }
    }
}

struct Row {
    id: Uuid,
    owner_id: Uuid,
    name: String,
    description: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl Row {
    fn into_project(self) -> Result<Project, RepositoryError> {
        // The check constraints keep rows parseable; a failure here is a bug or a hand edit.
        let name = ProjectName::parse(&self.name)
            .map_err(|e| RepositoryError::Failed(format!("stored project name is invalid: {e}")))?;
        let description = ProjectDescription::parse(&self.description).map_err(|e| {
            RepositoryError::Failed(format!("stored project description is invalid: {e}"))
        })?;
        Ok(Project {
            id: ProjectId::from_uuid(self.id),
            owner: UserId::from_uuid(self.owner_id),
            name,
            description,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn write_error(err: sqlx::Error) -> ProjectWriteError {
    if let sqlx::Error::Database(db) = &err
        && db.constraint() == Some(NAME_KEY)
    {
        return ProjectWriteError::DuplicateName;
    }
    repository_error(err).into()
}

#[async_trait]
impl ProjectRepository for PgProjects {
    #[tracing::instrument(skip_all, fields(owner = %owner))]
    async fn insert(
        &self,
        owner: UserId,
        project: &NewProject,
    ) -> Result<Option<Project>, ProjectWriteError> {
        // Inserting through the live owner row, locked `for share`, orders this insert with a
        // concurrent tombstone: if the tombstone commits first, no row is selected and nothing
        // is inserted; if this commits first, the tombstone's trigger sees and deletes it.
        let row = sqlx::query_as!(
            Row,
            r#"insert into projects (owner_id, name, description)
               select id, $2, $3 from users
               where id = $1 and deleted_at is null
               for share
               returning id, owner_id, name, description, created_at, updated_at"#,
            owner.as_uuid(),
            project.name.as_str(),
            project.description.as_str(),
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(write_error)?;
        Ok(row.map(Row::into_project).transpose()?)
    }

    #[tracing::instrument(skip_all, fields(owner = %owner, project = %id))]
    async fn find(&self, owner: UserId, id: ProjectId) -> Result<Option<Project>, RepositoryError> {
        sqlx::query_as!(
            Row,
            r#"select id, owner_id, name, description, created_at, updated_at
               from projects
               where owner_id = $1 and id = $2"#,
            owner.as_uuid(),
            id.as_uuid(),
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(repository_error)?
        .map(Row::into_project)
        .transpose()
    }

    #[tracing::instrument(skip_all, fields(owner = %owner, limit = limit))]
    async fn list(
        &self,
        owner: UserId,
        after: Option<&ProjectCursor>,
        limit: usize,
    ) -> Result<Vec<Project>, RepositoryError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Two statements rather than `$2 is null or …`: each gets a plan that walks
        // projects_owner_id_created_at_id_idx from the right place.
        let rows = match after {
            None => {
                sqlx::query_as!(
                    Row,
                    r#"select id, owner_id, name, description, created_at, updated_at
                       from projects
                       where owner_id = $1
                       order by created_at desc, id desc
                       limit $2"#,
                    owner.as_uuid(),
                    limit,
                )
                .fetch_all(&self.pool)
                .await
            }
            Some(cursor) => {
                sqlx::query_as!(
                    Row,
                    r#"select id, owner_id, name, description, created_at, updated_at
                       from projects
                       where owner_id = $1 and (created_at, id) < ($2, $3)
                       order by created_at desc, id desc
                       limit $4"#,
                    owner.as_uuid(),
                    cursor.created_at,
                    cursor.id.as_uuid(),
                    limit,
                )
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(repository_error)?;
        rows.into_iter().map(Row::into_project).collect()
    }

    #[tracing::instrument(skip_all, fields(owner = %owner, project = %id))]
    async fn update(
        &self,
        owner: UserId,
        id: ProjectId,
        changes: &ProjectChanges,
    ) -> Result<Option<Project>, ProjectWriteError> {
        let row = sqlx::query_as!(
            Row,
            r#"update projects
               set name = coalesce($3, name),
                   description = coalesce($4, description),
                   updated_at = case
                       when (coalesce($3, name), coalesce($4, description))
                            is distinct from (name, description)
                       then now() else updated_at end
               where owner_id = $1 and id = $2
               returning id, owner_id, name, description, created_at, updated_at"#,
            owner.as_uuid(),
            id.as_uuid(),
            changes.name.as_ref().map(ProjectName::as_str),
            changes.description.as_ref().map(ProjectDescription::as_str),
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(write_error)?;
        Ok(row.map(Row::into_project).transpose()?)
    }

    #[tracing::instrument(skip_all, fields(owner = %owner, project = %id))]
    async fn delete(&self, owner: UserId, id: ProjectId) -> Result<bool, RepositoryError> {
        let deleted = sqlx::query!(
            "delete from projects where owner_id = $1 and id = $2",
            owner.as_uuid(),
            id.as_uuid(),
        )
        .execute(&self.pool)
        .await
        .map_err(repository_error)?
        .rows_affected();
        Ok(deleted == 1)
    }
}
