//! The router, and the origin rules every route shares.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::ClerkApiError;
use crate::http::request_origin;
use tower::ServiceExt;

use crate::{Emulator, backend_api, control_api, frontend_api, npm, sign_in};

pub(crate) fn router(emulator: Emulator) -> Router {
    let routes = Router::new()
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
        .merge(frontend_api::router())
        .route("/npm/@clerk/{package}/dist/{file}", get(npm::serve))
        .route("/", get(sign_in::home))
        .route("/sign-in", get(sign_in::page))
        .route("/sign-in/ticket", post(sign_in::ticket))
        .route("/sign-in.js", get(sign_in::script))
        .route("/sign-in.css", get(sign_in::styles))
        .nest("/_emulator", control_api::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            emulator.clone(),
            origin_rules,
        ))
        .with_state(emulator);
    // Before routing: clerk-js sends PUT, PATCH and DELETE as POST with `_method`.
    Router::new().fallback_service(routes.map_request(method_override))
}

/// clerk-js's method override: `POST …?_method=DELETE` is a `DELETE`. Only POSTs are
/// rewritten, and only to the methods clerk-js uses, so a GET can never become a write.
fn method_override(mut request: Request) -> Request {
    if request.method() != Method::POST {
        return request;
    }
    let wanted = request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "_method")
            .map(|(_, value)| value.to_ascii_uppercase())
    });
    let method = match wanted.as_deref() {
        Some("PUT") => Method::PUT,
        Some("PATCH") => Method::PATCH,
        Some("DELETE") => Method::DELETE,
        _ => return request,
    };
    *request.method_mut() = method;
    request
}

async fn not_found() -> ClerkApiError {
    ClerkApiError::not_found("this emulator endpoint")
}

/// Refuses state-changing requests that a browser sent from a foreign origin (CSRF: the
/// control API can mint tokens for anyone), and answers CORS for the allowed extra origins so
/// that an app on another port can use a standalone emulator with credentials.
async fn origin_rules(State(emulator): State<Emulator>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let changes_state = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let Some(origin) = request_origin(request.headers()) else {
        // `Origin: null` comes from a sandboxed iframe or a `data:` page on any website: as
        // foreign as can be, like the server's CSRF rule says. (No `Origin` at all is not a
        // browser's cross-site request: scripts and Clerk's SDKs.)
        if changes_state && null_origin(request.headers()) {
            return refused(
                "requests from a null origin (a sandboxed frame or a data: page) are refused"
                    .into(),
            );
        }
        return next.run(request).await;
    };
    let allowed = emulator.origin_allowed(&origin);
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
    if changes_state && !allowed {
        return refused(format!(
            "requests from {origin} are refused; allow it with --allowed-origin (or Emulator::allow_origin)"
        ));
    }
    let mut response = next.run(request).await;
    if allowed {
        add_cors(&mut response, &origin);
    }
    response
}

fn null_origin(headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"null"))
}

fn refused(detail: String) -> Response {
    ClerkApiError::new(
        StatusCode::FORBIDDEN,
        "origin_invalid",
        "origin not allowed",
        detail,
    )
    .into_response()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn post(uri: &str) -> Request {
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .body(axum::body::Body::empty())
            .expect("request")
    }

    #[test]
    fn clerk_js_method_override_applies_to_posts_only() {
        assert_eq!(
            method_override(post("/v1/client?_method=DELETE")).method(),
            Method::DELETE
        );
        assert_eq!(
            method_override(post("/v1/client?a=1&_method=put")).method(),
            Method::PUT
        );
        assert_eq!(method_override(post("/v1/client")).method(), Method::POST);
        assert_eq!(
            method_override(post("/v1/client?_method=GET")).method(),
            Method::POST
        );
        let mut get = post("/v1/client?_method=DELETE");
        *get.method_mut() = Method::GET;
        assert_eq!(method_override(get).method(), Method::GET);
    }
}
