//! The project server functions: thin calls of the core's use cases, the same ones the REST
//! routes under `/api/projects` call, with the same validation, scoping and errors.
//!
//! Each takes the caller from the request (`CurrentUser`, put there by the auth layer; 401
//! `signed-out` without one) and the repository from the [`ProjectsService`] the server
//! provides as Leptos context. On failure the HTTP status matches REST's (404, 409, 422, …),
//! not server_fn's blanket 500.
//!
//! URLs: `POST /api/fn/projects/list`, `…/get`, `…/create`, `…/edit`, `…/delete`, each
//! with a JSON object of the arguments (`{"id": …, "changes": {"name": …}}`) and a JSON answer.
//!
//! Why JSON arguments rather than server_fn's default URL encoding: its decoder turns an empty
//! field (`changes[name]=`) into `None`, so a cleared description would read as "unchanged"
//! and a blanked name would skip validation. JSON keeps "absent", `null` and `""` apart, and
//! the bodies are the REST bodies. (The price: these cannot back a plain `<ActionForm>`; call
//! them from an action or a resource.)

use leptos::{prelude::*, server_fn::codec::Json};
use uuid::Uuid;

use crate::api::{self, ApiError, ProjectDto, ProjectPageDto};

/// A page of the caller's projects, newest first. `cursor` is the previous page's
/// `next_cursor`; `limit` defaults to 20 and is capped at 100.
#[server(
    name = ListProjectsFn,
    input = Json,
    client = crate::client::AuthedClient,
    endpoint = "fn/projects/list"
)]
pub async fn list_projects(
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<ProjectPageDto, ApiError> {
    use populatte::project::PageSize;

    answer(async {
        let (user, projects) = caller()?;
        let after = parse_cursor(cursor.as_deref())?;
        let page = populatte::project::ListProjects::new(&*projects)
            .execute(user.id, after, PageSize::new(limit))
            .await
            .map_err(ApiError::from)?;
        Ok(ProjectPageDto::from(&page))
    })
    .await
}

/// One of the caller's projects; 404 for any other id, whoever owns it.
#[server(
    name = GetProjectFn,
    input = Json,
    client = crate::client::AuthedClient,
    endpoint = "fn/projects/get"
)]
pub async fn get_project(id: Uuid) -> Result<ProjectDto, ApiError> {
    use populatte::ProjectId;

    answer(async {
        let (user, projects) = caller()?;
        let project = populatte::project::GetProject::new(&*projects)
            .execute(user.id, ProjectId::from_uuid(id))
            .await
            .map_err(ApiError::from)?;
        Ok(ProjectDto::from(&project))
    })
    .await
}

#[server(
    name = CreateProjectFn,
    input = Json,
    client = crate::client::AuthedClient,
    endpoint = "fn/projects/create"
)]
pub async fn create_project(input: api::CreateProjectRequest) -> Result<ProjectDto, ApiError> {
    answer(async {
        let (user, projects) = caller()?;
        let project = populatte::project::CreateProject::new(&*projects)
            .execute(user.id, &input.name, input.description.as_deref())
            .await
            .map_err(ApiError::from)?;
        Ok(ProjectDto::from(&project))
    })
    .await
}

/// Renames the project and/or changes its description; a field left out stays as it is.
#[server(
    name = EditProjectFn,
    input = Json,
    client = crate::client::AuthedClient,
    endpoint = "fn/projects/edit"
)]
pub async fn edit_project(
    id: Uuid,
    changes: api::EditProjectRequest,
) -> Result<ProjectDto, ApiError> {
    use populatte::ProjectId;

    answer(async {
        let (user, projects) = caller()?;
        let project = populatte::project::EditProject::new(&*projects)
            .execute(
                user.id,
                ProjectId::from_uuid(id),
                changes.name.as_deref(),
                changes.description.as_deref(),
            )
            .await
            .map_err(ApiError::from)?;
        Ok(ProjectDto::from(&project))
    })
    .await
}

#[server(
    name = DeleteProjectFn,
    input = Json,
    client = crate::client::AuthedClient,
    endpoint = "fn/projects/delete"
)]
pub async fn delete_project(id: Uuid) -> Result<(), ApiError> {
    use populatte::ProjectId;

    answer(async {
        let (user, projects) = caller()?;
        populatte::project::DeleteProject::new(&*projects)
            .execute(user.id, ProjectId::from_uuid(id))
            .await
            .map_err(ApiError::from)
    })
    .await
}

#[cfg(feature = "ssr")]
pub use ssr::{ProjectsService, parse_cursor};
#[cfg(feature = "ssr")]
use ssr::{answer, caller};

#[cfg(feature = "ssr")]
mod ssr {
    use std::{future::Future, sync::Arc};

    use leptos::prelude::use_context;
    use populatte::{ProjectRepository, User, project::ProjectCursor};

    use crate::{api::ApiError, session::require_user};

    /// The projects repository, provided by the server as Leptos context to every server
    /// function and page (`leptos_routes_with_context`), so the app never names the database.
    #[derive(Clone)]
    pub struct ProjectsService(pub Arc<dyn ProjectRepository>);

    /// The caller and the repository; 401 `signed-out` for an anonymous call.
    pub(super) fn caller() -> Result<(User, Arc<dyn ProjectRepository>), ApiError> {
        let user = require_user()?;
        let ProjectsService(projects) = use_context::<ProjectsService>().ok_or_else(|| {
            tracing::error!("no ProjectsService in the Leptos context; the server must provide it");
            ApiError::internal()
        })?;
        Ok((user.0, projects))
    }

    /// Runs a server function's body and, on failure, gives the answer the error's status.
    pub(super) async fn answer<T>(
        body: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        body.await.map_err(ApiError::for_server_fn_call)
    }

    /// A page cursor from a client: absent or empty means the first page.
    pub fn parse_cursor(raw: Option<&str>) -> Result<Option<ProjectCursor>, ApiError> {
        raw.filter(|raw| !raw.is_empty())
            .map(|raw| {
                ProjectCursor::parse(raw).map_err(|_| {
                    ApiError::bad_request(
                        "The cursor is not valid; list from the start without one.",
                    )
                })
            })
            .transpose()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::server_fn::ServerFn;

    use super::*;
    use crate::api::SERVER_FN_PREFIX;

    #[test]
    fn every_project_server_function_lives_under_the_server_fn_prefix() {
        let paths = [
            <ListProjectsFn as ServerFn>::PATH,
            <GetProjectFn as ServerFn>::PATH,
            <CreateProjectFn as ServerFn>::PATH,
            <EditProjectFn as ServerFn>::PATH,
            <DeleteProjectFn as ServerFn>::PATH,
            <crate::session::GetCurrentUser as ServerFn>::PATH,
        ];
        for path in paths {
            assert!(path.starts_with(SERVER_FN_PREFIX), "{path}");
        }
        assert_eq!(
            <CreateProjectFn as ServerFn>::PATH,
            "/api/fn/projects/create"
        );
    }

    #[test]
    fn an_empty_cursor_is_the_first_page_and_garbage_is_a_400() {
        assert_eq!(parse_cursor(None), Ok(None));
        assert_eq!(parse_cursor(Some("")), Ok(None));
        assert_eq!(parse_cursor(Some("nope")).map_err(|e| e.status()), Err(400));
    }
}
