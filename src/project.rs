//! Projects: owned by one user, visible to that user only.
//!
//! Every operation takes the owner's [`UserId`] (from the request's `CurrentUser`, never from
//! input), and every repository method is scoped by it: another user's project is
//! indistinguishable from one that does not exist.

mod error;
mod fields;
mod page;
mod use_cases;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::UserId;

pub use error::{FieldErrors, ProjectError};
pub use fields::{ProjectDescription, ProjectDescriptionError, ProjectName, ProjectNameError};
pub use page::{CursorError, PageSize, ProjectCursor, ProjectPage};
pub use use_cases::{CreateProject, DeleteProject, EditProject, GetProject, ListProjects};

/// The primary key of a project row.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ProjectId(Uuid);

impl ProjectId {
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    /// Parses an id from a URL. `None` for anything that is not a UUID: such an id names no
    /// project, so callers answer "not found", like for an id that exists but is not theirs.
    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::try_parse(raw).ok().map(Self)
    }
}

impl std::fmt::Display for ProjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub owner: UserId,
    pub name: ProjectName,
    pub description: ProjectDescription,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}
