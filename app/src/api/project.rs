//! Projects as the API shows and takes them: the REST bodies under `/api/projects` and the
//! arguments and answers of the project server functions are the same types.

use populatte::{Project, ProjectError, project};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiError, reason, rfc3339};

/// One project. The owner is not shown: it is always the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<&Project> for ProjectDto {
    fn from(project: &Project) -> Self {
        Self {
            id: *project.id.as_uuid(),
            name: project.name.as_str().to_owned(),
            description: project.description.as_str().to_owned(),
            created_at: rfc3339(project.created_at),
            updated_at: rfc3339(project.updated_at),
        }
    }
}

/// A page of the caller's projects, newest first. Pass `next_cursor` back as `cursor` for the
/// following page; it is `null` on the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPageDto {
    pub items: Vec<ProjectDto>,
    pub next_cursor: Option<String>,
}

impl From<&project::ProjectPage> for ProjectPageDto {
    fn from(page: &project::ProjectPage) -> Self {
        Self {
            items: page.items.iter().map(ProjectDto::from).collect(),
            next_cursor: page.next.as_ref().map(project::ProjectCursor::encode),
        }
    }
}

/// `POST /api/projects`, and the `create_project` server function's argument. A missing name
/// is an empty one, so it gets the same field message as a blank one rather than a 400.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /api/projects/{id}`, and the `edit_project` server function's argument: a field
/// left out (or `null`) stays as it is. Unknown fields are refused so that a misspelt one is
/// an error, not a silent no-op.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditProjectRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a project use case's failure looks like on the wire; a store failure is answered (and
/// its detail logged) by `From<RepositoryError>`.
impl From<ProjectError> for ApiError {
    fn from(error: ProjectError) -> Self {
        match error {
            ProjectError::Validation(fields) => Self::validation(fields),
            ProjectError::DuplicateName => {
                Self::conflict("name", "You already have a project with this name.")
            }
            // Also another user's project: the same answer, so nobody learns which ids exist.
            ProjectError::NotFound => Self::NotFound {
                message: "There is no such project.".into(),
            },
            ProjectError::OwnerDeleted => {
                Self::unauthorized(reason::USER_DELETED, "This account has been deleted.")
            }
            ProjectError::Repository(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use populatte::{
        ProjectId, RepositoryError, UserId,
        project::{ProjectCursor, ProjectDescription, ProjectName},
    };
    use time::macros::datetime;

    use super::*;

    fn project() -> Project {
        Project {
            id: ProjectId::from_uuid(Uuid::from_u128(5)),
            owner: UserId::from_uuid(Uuid::from_u128(7)),
            name: ProjectName::parse("Garden").unwrap(),
            description: ProjectDescription::parse("Beds").unwrap(),
            created_at: datetime!(2026-11-26 10:00 UTC),
            updated_at: datetime!(2026-11-26 11:00:00.5 UTC),
        }
    }

    #[test]
    fn a_project_shows_its_fields_but_not_its_owner() {
        let json = serde_json::to_value(ProjectDto::from(&project())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "00000000-0000-0000-0000-000000000005",
                "name": "Garden",
                "description": "Beds",
                "created_at": "2026-11-26T10:00:00Z",
                "updated_at": "2026-11-26T11:00:00.5Z",
            })
        );
    }

    #[test]
    fn the_last_page_has_a_null_cursor_and_others_a_cursor_that_parses() {
        let last = project::ProjectPage {
            items: vec![project()],
            next: None,
        };
        let json = serde_json::to_value(ProjectPageDto::from(&last)).unwrap();
        assert_eq!(json["next_cursor"], serde_json::Value::Null);
        let more = project::ProjectPage {
            items: vec![project()],
            next: Some(ProjectCursor::after(&project())),
        };
        let cursor = ProjectPageDto::from(&more).next_cursor.unwrap();
        assert_eq!(
            ProjectCursor::parse(&cursor),
            Ok(ProjectCursor::after(&project()))
        );
    }

    #[test]
    fn project_errors_map_to_the_rest_statuses_without_internal_detail() {
        let validation = ApiError::from(ProjectError::Validation(
            [(
                "name".to_owned(),
                vec!["Name must be 1–100 characters.".to_owned()],
            )]
            .into(),
        ));
        assert_eq!(validation.status(), 422);
        assert_eq!(validation.field("name"), ["Name must be 1–100 characters."]);
        let conflict = ApiError::from(ProjectError::DuplicateName);
        assert_eq!(conflict.status(), 409);
        assert_eq!(conflict.field("name").len(), 1);
        assert_eq!(ApiError::from(ProjectError::NotFound).status(), 404);
        let deleted = ApiError::from(ProjectError::OwnerDeleted);
        assert_eq!(
            (deleted.status(), deleted.reason()),
            (401, Some(reason::USER_DELETED))
        );
        let secret = "connection to 10.0.0.7:5432 refused";
        for (error, status) in [
            (RepositoryError::Unavailable(secret.into()), 503),
            (RepositoryError::Failed(secret.into()), 500),
        ] {
            let answer = ApiError::from(ProjectError::Repository(error));
            assert_eq!(answer.status(), status);
            assert!(!serde_json::to_string(&answer).unwrap().contains("10.0.0.7"));
        }
    }

    #[test]
    fn inputs_take_missing_fields_as_absent_and_refuse_unknown_ones() {
        let create: CreateProjectRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(create, CreateProjectRequest::default());
        let edit: EditProjectRequest = serde_json::from_str(r#"{"description": null}"#).unwrap();
        assert_eq!(edit, EditProjectRequest::default());
        assert!(serde_json::from_str::<EditProjectRequest>(r#"{"nmae": "typo"}"#).is_err());
        assert!(
            serde_json::from_str::<CreateProjectRequest>(r#"{"name": "a", "owner": "b"}"#).is_err()
        );
    }
}
