//! axum's extractors with our answers: their own rejections are plain text, and nothing under
//! `/api/` may answer anything but the JSON error shape.

use app::api::ApiError;
use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use populatte::{ProjectError, ProjectId};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::status_error;

/// A JSON body; a malformed one (not JSON, wrong types, unknown fields, no JSON content type)
/// is a 400 whose message says what was wrong with it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Json<T>(pub(crate) T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            // A body cut off by the size limit (one sent without a length) is too large, not
            // malformed.
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(status_error(StatusCode::PAYLOAD_TOO_LARGE))
            }
            // The text only describes the client's own body (serde's "unknown field `nmae`,
            // expected `name` or `description`"), which helps them and reveals nothing of ours.
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text()).into_response()),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string; one that does not decode is a 400.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Query<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// The `{id}` of `/api/projects/{id}`. Anything that is not a UUID names no project: 404,
/// the same answer as an id that exists but belongs to someone else.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProjectPath(pub(crate) ProjectId);

impl<S: Send + Sync> FromRequestParts<S> for ProjectPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let not_found = || ApiError::from(ProjectError::NotFound);
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        ProjectId::parse(&raw).map(Self).ok_or_else(not_found)
    }
}
