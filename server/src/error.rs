//! Errors as the API answers them: `app::api::ApiError` (shared with the browser) renders the
//! one JSON shape; this module holds the server-side helpers around it.
//!
//! Handlers answer `ApiError` themselves, but some answers are made before or around them:
//! the body limit (413), the timeout (408), axum's method router (405) and extractor
//! rejections. [`json_errors`] sits outside all of them and gives every such answer under
//! `/api/` the same JSON shape, so a client never has to parse anything else.

use app::api::{ApiError, ErrorBody, ErrorEnvelope};
use axum::{
    Json,
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::routes::API_PREFIX;

/// Unknown paths under `/api/` answer JSON, not the HTML not-found page.
pub(crate) async fn api_not_found() -> ApiError {
    ApiError::not_found()
}

/// Rewrites an error answer under `/api/` that is not JSON into the JSON error shape. The
/// original body (a layer's or axum's plain text) is dropped: it is not ours to show.
pub(crate) async fn json_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with(API_PREFIX);
    let response = next.run(request).await;
    let status = response.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    let mut shaped = status_error(status);
    // Keep what the status needs (`Allow` on 405, `Retry-After`, `WWW-Authenticate`).
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = parts.headers.remove(&name) {
            shaped.headers_mut().insert(name, value);
        }
    }
    for (name, value) in shaped.headers() {
        parts.headers.insert(name, value.clone());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, shaped.into_body())
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The JSON error answer for a bare status.
pub(crate) fn status_error(status: StatusCode) -> Response {
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This method is not allowed on this path.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "The request took too long and was stopped; try again.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request body is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "The request body must be JSON (Content-Type: application/json).",
        ),
        _ => {
            let error = ApiError::from_status(status.as_u16());
            let mut response = error.into_response();
            // `from_status` maps unusual statuses onto the nearest kind; keep the real status.
            *response.status_mut() = status;
            return response;
        }
    };
    let envelope = ErrorEnvelope {
        error: ErrorBody {
            code: code.to_owned(),
            reason: None,
            message: message.to_owned(),
            fields: Default::default(),
            retry_after_secs: None,
        },
    };
    (status, Json(envelope)).into_response()
}
