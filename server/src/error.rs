//! Errors as the API answers them: `app::api::ApiError` (shared with the browser) renders the
//! one JSON shape; this module holds the server-side helpers around it.

use app::api::ApiError;

/// Unknown paths under `/api/` answer JSON, not the HTML not-found page.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found()
}
