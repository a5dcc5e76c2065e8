//! The project use cases. Each takes the owner's id from the caller's `CurrentUser` and the
//! raw input; fields are parsed here, so every entry point (REST, server functions) validates
//! the same way and reports every invalid field at once.

use super::{
    FieldErrors, PageSize, Project, ProjectCursor, ProjectDescription, ProjectError, ProjectId,
    ProjectName, ProjectPage,
};
use crate::{
    UserId,
    ports::{NewProject, ProjectChanges, ProjectRepository, ProjectWriteError},
};

impl From<ProjectWriteError> for ProjectError {
    fn from(error: ProjectWriteError) -> Self {
        match error {
            ProjectWriteError::DuplicateName => Self::DuplicateName,
            ProjectWriteError::Repository(error) => Self::Repository(error),
        }
    }
}

/// Collects one message per invalid field.
#[derive(Default)]
struct Fields(FieldErrors);

impl Fields {
    fn check<T, E: std::fmt::Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        parsed
            .map_err(|error| {
                self.0
                    .entry(field.to_owned())
                    .or_default()
                    .push(error.to_string());
            })
            .ok()
    }

    fn finish(self) -> Result<(), ProjectError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.into_error())
        }
    }

    fn into_error(self) -> ProjectError {
        ProjectError::Validation(self.0)
    }
}

pub struct CreateProject<'a> {
    projects: &'a dyn ProjectRepository,
}

impl<'a> CreateProject<'a> {
    pub fn new(projects: &'a dyn ProjectRepository) -> Self {
        Self { projects }
    }

    /// A missing description is an empty one.
    pub async fn execute(
        &self,
        owner: UserId,
        name: &str,
        description: Option<&str>,
    ) -> Result<Project, ProjectError> {
        let mut fields = Fields::default();
        let name = fields.check("name", ProjectName::parse(name));
        let description = fields.check(
            "description",
            ProjectDescription::parse(description.unwrap_or_default()),
        );
        let (Some(name), Some(description)) = (name, description) else {
            return Err(fields.into_error());
        };
        self.projects
            .insert(owner, &NewProject { name, description })
            .await?
            .ok_or(ProjectError::OwnerDeleted)
    }
}

pub struct GetProject<'a> {
    projects: &'a dyn ProjectRepository,
}

impl<'a> GetProject<'a> {
    pub fn new(projects: &'a dyn ProjectRepository) -> Self {
        Self { projects }
    }

    pub async fn execute(&self, owner: UserId, id: ProjectId) -> Result<Project, ProjectError> {
        self.projects
            .find(owner, id)
            .await?
            .ok_or(ProjectError::NotFound)
    }
}

/// The owner's projects, newest first (see [`ProjectCursor`] for why that order).
pub struct ListProjects<'a> {
    projects: &'a dyn ProjectRepository,
}

impl<'a> ListProjects<'a> {
    pub fn new(projects: &'a dyn ProjectRepository) -> Self {
        Self { projects }
    }

    pub async fn execute(
        &self,
        owner: UserId,
        after: Option<ProjectCursor>,
        size: PageSize,
    ) -> Result<ProjectPage, ProjectError> {
        let limit = size.get();
        // One row more than the page tells whether another page follows, so the last page
        // says so itself instead of costing the client an empty request.
        let mut items = self.projects.list(owner, after.as_ref(), limit + 1).await?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(ProjectCursor::after)
        } else {
            None
        };
        Ok(ProjectPage { items, next })
    }
}

/// Renames a project and/or changes its description.
pub struct EditProject<'a> {
    projects: &'a dyn ProjectRepository,
}

impl<'a> EditProject<'a> {
    pub fn new(projects: &'a dyn ProjectRepository) -> Self {
        Self { projects }
    }

    /// A field left out stays as it is; an edit that leaves out every field answers the
    /// project unchanged (or `NotFound`), like an empty `PATCH`.
    pub async fn execute(
        &self,
        owner: UserId,
        id: ProjectId,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<Project, ProjectError> {
        let mut fields = Fields::default();
        let changes = ProjectChanges {
            name: name.and_then(|name| fields.check("name", ProjectName::parse(name))),
            description: description.and_then(|description| {
                fields.check("description", ProjectDescription::parse(description))
            }),
        };
        fields.finish()?;
        if changes.is_empty() {
            return GetProject::new(self.projects).execute(owner, id).await;
        }
        self.projects
            .update(owner, id, &changes)
            .await?
            .ok_or(ProjectError::NotFound)
    }
}

pub struct DeleteProject<'a> {
    projects: &'a dyn ProjectRepository,
}

impl<'a> DeleteProject<'a> {
    pub fn new(projects: &'a dyn ProjectRepository) -> Self {
        Self { projects }
    }

    /// `NotFound` when there was nothing to delete, including a second delete of one project.
    pub async fn execute(&self, owner: UserId, id: ProjectId) -> Result<(), ProjectError> {
        if self.projects.delete(owner, id).await? {
            Ok(())
        } else {
            Err(ProjectError::NotFound)
        }
    }
}

#[cfg(test)]
#[path = "use_cases_tests.rs"]
mod tests;
