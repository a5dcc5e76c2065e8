//! The router, and the origin rules every route shares.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::http::request_origin;
use crate::{Emulator, backend_api, control_api, frontend_api, script, sign_in};

pub fn router(emulator: Emulator) -> Router {
    Router::new()
        .route("/.well-known/jwks.json", get(frontend_api::jwks))
        .route("/v1/jwks", get(backend_api::jwks))
        .route(
            "/v1/users",
            get(backend_api::users::list).post(backend_api::users::create),
        )
        .route("/v1/users/count", get(backend_api::users::count))
        .route(
            "/v1/users/{id}",
            get(backend_api::users::get)
                .patch(backend_api::users::update)
                .delete(backend_api::users::delete),
        )
        .route(
            "/v1/users/{id}/verify_password",
            post(backend_api::users::verify_password),
        )
        .route("/v1/sessions", get(backend_api::sessions::list_sessions))
        .route("/v1/sessions/{id}", get(backend_api::sessions::get_session))
        .route(
            "/v1/sessions/{id}/revoke",
            post(backend_api::sessions::revoke_session),
        )
        .route(
            "/v1/sessions/{id}/tokens",
            post(backend_api::sessions::session_token),
        )
        .route(
            "/v1/sign_in_tokens",
            post(backend_api::sessions::create_sign_in_token),
        )
        .route(
            "/v1/sign_in_tokens/{id}/revoke",
            post(backend_api::sessions::revoke_sign_in_token),
        )
        .route("/v1/client", get(frontend_api::client))
        .route(
            "/v1/client/sessions/{sid}/tokens",
            post(frontend_api::session_token),
        )
        .route(
            "/v1/client/sessions/{sid}/tokens/{template}",
            post(frontend_api::template_token),
        )
        .route(
            "/v1/client/sessions/{sid}/remove",
            post(frontend_api::remove_session),
        )
        .route("/avatars/{file}", get(frontend_api::avatar))
        .route(script::SCRIPT_PATH, get(script::serve))
        .route("/", get(sign_in::home))
        .route("/sign-in", get(sign_in::page).post(sign_in::sign_in))
        .route("/sign-up", post(sign_in::sign_up))
        .nest("/_emulator", control_api::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            emulator.clone(),
            origin_rules,
        ))
        .with_state(emulator)
}

async fn not_found() -> ApiError {
    ApiError::not_found("this emulator endpoint")
}

/// Refuses state-changing requests that a browser sent from a foreign origin (CSRF: the
/// control API can mint tokens for anyone), and answers CORS for the allowed extra origins so
/// that an app on another port can use a standalone emulator with credentials.
async fn origin_rules(State(emulator): State<Emulator>, request: Request, next: Next) -> Response {
    let Some(origin) = request_origin(request.headers()) else {
        return next.run(request).await;
    };
    let allowed = emulator.origin_allowed(&origin);
    let method = request.method().clone();
    let preflight = method == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        if !allowed {
            return StatusCode::FORBIDDEN.into_response();
        }
        let mut response = StatusCode::NO_CONTENT.into_response();
        add_cors(&mut response, &origin);
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        return response;
    }
    let changes_state = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && !allowed {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_invalid",
            "origin not allowed",
            format!(
                "requests from {origin} are refused; allow it with --allowed-origin (or Emulator::allow_origin)"
            ),
        )
        .into_response();
    }
    let mut response = next.run(request).await;
    if allowed {
        add_cors(&mut response, &origin);
    }
    response
}

fn add_cors(response: &mut Response, origin: &str) {
    let Ok(value) = HeaderValue::from_str(origin) else {
        return;
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.append(header::VARY, HeaderValue::from_static("origin"));
}
