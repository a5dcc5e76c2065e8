//! An in-memory `ProjectRepository` with the SQL one's rules: every method scoped by owner,
//! names unique per owner case-insensitively, newest-first keyset order, no project for a
//! deleted owner.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
};

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    UserId,
    ports::{NewProject, ProjectChanges, ProjectRepository, ProjectWriteError, RepositoryError},
    project::{Project, ProjectCursor, ProjectId},
};

#[derive(Default)]
pub(crate) struct InMemoryProjects {
    rows: Mutex<HashMap<ProjectId, Project>>,
    deleted_owners: Mutex<HashSet<UserId>>,
    /// When set, every new project gets this `created_at`: rows that tie on time, as the rows
    /// of one transaction do in PostgreSQL.
    clock: Mutex<Option<OffsetDateTime>>,
    pub unavailable: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl InMemoryProjects {
    pub(crate) fn rows(&self) -> Vec<Project> {
        lock(&self.rows).values().cloned().collect()
    }

    pub(crate) fn freeze_clock(&self, at: OffsetDateTime) {
        *lock(&self.clock) = Some(at);
    }

    /// What the `users` trigger does when a user is tombstoned.
    pub(crate) fn delete_owner(&self, owner: UserId) {
        lock(&self.deleted_owners).insert(owner);
        lock(&self.rows).retain(|_, project| project.owner != owner);
    }

    fn check(&self) -> Result<(), RepositoryError> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(RepositoryError::Unavailable("connection refused".into()))
        } else {
            Ok(())
        }
    }

    fn now(&self) -> OffsetDateTime {
        lock(&self.clock).unwrap_or_else(OffsetDateTime::now_utc)
    }
}

fn key(project: &Project) -> (OffsetDateTime, ProjectId) {
    (project.created_at, project.id)
}

fn name_taken(
    rows: &HashMap<ProjectId, Project>,
    owner: UserId,
    name: &crate::project::ProjectName,
    except: Option<ProjectId>,
) -> bool {
    rows.values()
        .any(|p| p.owner == owner && Some(p.id) != except && p.name.same_as(name))
}

#[async_trait]
impl ProjectRepository for InMemoryProjects {
    async fn insert(
        &self,
        owner: UserId,
        project: &NewProject,
    ) -> Result<Option<Project>, ProjectWriteError> {
        self.check()?;
        if lock(&self.deleted_owners).contains(&owner) {
            return Ok(None);
        }
        let mut rows = lock(&self.rows);
        if name_taken(&rows, owner, &project.name, None) {
            return Err(ProjectWriteError::DuplicateName);
        }
        let now = self.now();
        let project = Project {
            id: ProjectId::from_uuid(Uuid::new_v4()),
            owner,
            name: project.name.clone(),
            description: project.description.clone(),
            created_at: now,
            updated_at: now,
        };
        rows.insert(project.id, project.clone());
        Ok(Some(project))
    }

    async fn find(&self, owner: UserId, id: ProjectId) -> Result<Option<Project>, RepositoryError> {
        self.check()?;
        Ok(lock(&self.rows)
            .get(&id)
            .filter(|p| p.owner == owner)
            .cloned())
    }

    async fn list(
        &self,
        owner: UserId,
        after: Option<&ProjectCursor>,
        limit: usize,
    ) -> Result<Vec<Project>, RepositoryError> {
        self.check()?;
        let mut mine: Vec<Project> = lock(&self.rows)
            .values()
            .filter(|p| p.owner == owner)
            .filter(|p| after.is_none_or(|c| key(p) < (c.created_at, c.id)))
            .cloned()
            .collect();
        mine.sort_by_key(|p| std::cmp::Reverse(key(p)));
        mine.truncate(limit);
        Ok(mine)
    }

    async fn update(
        &self,
        owner: UserId,
        id: ProjectId,
        changes: &ProjectChanges,
    ) -> Result<Option<Project>, ProjectWriteError> {
        self.check()?;
        let mut rows = lock(&self.rows);
        if let Some(name) = &changes.name
            && rows.get(&id).is_some_and(|p| p.owner == owner)
            && name_taken(&rows, owner, name, Some(id))
        {
            return Err(ProjectWriteError::DuplicateName);
        }
        let now = self.now();
        let Some(project) = rows.get_mut(&id).filter(|p| p.owner == owner) else {
            return Ok(None);
        };
        let before = project.clone();
        if let Some(name) = &changes.name {
            project.name = name.clone();
        }
        if let Some(description) = &changes.description {
            project.description = description.clone();
        }
        if *project != before {
            project.updated_at = now;
        }
        Ok(Some(project.clone()))
    }

    async fn delete(&self, owner: UserId, id: ProjectId) -> Result<bool, RepositoryError> {
        self.check()?;
        let mut rows = lock(&self.rows);
        if rows.get(&id).is_some_and(|p| p.owner == owner) {
            rows.remove(&id);
            Ok(true)
        } else {
            Ok(false)
        }
    }
}
