//! `/api/projects`: the caller's projects over REST. Each handler takes `CurrentUser` (401
//! without one) and calls the core's use case, the same one the project server functions
//! call; nobody looks a user up, and the owner always comes from the session, never the body.
//!
//! - `GET    /api/projects?cursor=&limit=` → 200 `{"items": [...], "next_cursor": "…" | null}`
//! - `POST   /api/projects` `{"name", "description"?}` → 201 + the project, `Location` set
//! - `GET    /api/projects/{id}` → 200 + the project
//! - `PATCH  /api/projects/{id}` `{"name"?, "description"?}` → 200 + the project
//! - `DELETE /api/projects/{id}` → 204
//!
//! Another user's project is a 404, like a missing one; invalid fields a 422 with messages
//! by field; a duplicate name a 409 on `name`; a malformed body, cursor or limit a 400; the
//! database down a 503.

use app::{
    api::{ApiError, CreateProjectRequest, EditProjectRequest, ProjectDto, ProjectPageDto},
    auth::CurrentUser,
    projects::parse_cursor,
};
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use populatte::project::{self, PageSize};
use serde::Deserialize;

use super::extract::{Json, ProjectPath, Query};
use crate::state::AppState;

/// Both optional; an empty value (`?cursor=&limit=`) counts as absent.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    cursor: Option<String>,
    limit: Option<String>,
}

fn parse_limit(raw: Option<&str>) -> Result<Option<u32>, ApiError> {
    raw.filter(|raw| !raw.is_empty())
        .map(|raw| {
            raw.parse::<u32>().map_err(|_| {
                ApiError::bad_request(format!(
                    "limit must be a whole number; pages hold at most {}.",
                    PageSize::MAX
                ))
            })
        })
        .transpose()
}

pub(crate) async fn list(
    user: CurrentUser,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ProjectPageDto>, ApiError> {
    let after = parse_cursor(query.cursor.as_deref())?;
    let size = PageSize::new(parse_limit(query.limit.as_deref())?);
    let page = project::ListProjects::new(&*state.projects)
        .execute(user.id, after, size)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(ProjectPageDto::from(&page)))
}

pub(crate) async fn create(
    user: CurrentUser,
    State(state): State<AppState>,
    Json(input): Json<CreateProjectRequest>,
) -> Result<Response, ApiError> {
    let project = project::CreateProject::new(&*state.projects)
        .execute(user.id, &input.name, input.description.as_deref())
        .await
        .map_err(ApiError::from)?;
    let location = format!("/api/projects/{}", project.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ProjectDto::from(&project)),
    )
        .into_response())
}

pub(crate) async fn get(
    user: CurrentUser,
    State(state): State<AppState>,
    ProjectPath(id): ProjectPath,
) -> Result<Json<ProjectDto>, ApiError> {
    let project = project::GetProject::new(&*state.projects)
        .execute(user.id, id)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(ProjectDto::from(&project)))
}

pub(crate) async fn edit(
    user: CurrentUser,
    State(state): State<AppState>,
    ProjectPath(id): ProjectPath,
    Json(changes): Json<EditProjectRequest>,
) -> Result<Json<ProjectDto>, ApiError> {
    let project = project::EditProject::new(&*state.projects)
        .execute(
            user.id,
            id,
            changes.name.as_deref(),
            changes.description.as_deref(),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(Json(ProjectDto::from(&project)))
}

pub(crate) async fn delete(
    user: CurrentUser,
    State(state): State<AppState>,
    ProjectPath(id): ProjectPath,
) -> Result<StatusCode, ApiError> {
    project::DeleteProject::new(&*state.projects)
        .execute(user.id, id)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_absent_limit_is_the_default_and_garbage_is_a_400() {
        assert_eq!(parse_limit(None), Ok(None));
        assert_eq!(parse_limit(Some("")), Ok(None));
        assert_eq!(parse_limit(Some("50")), Ok(Some(50)));
        for bad in ["-1", "ten", "1.5", "99999999999"] {
            assert_eq!(
                parse_limit(Some(bad)).map_err(|e| e.status()),
                Err(400),
                "{bad}"
            );
        }
    }
}
