//! Pages for signed-in people only, and the server's half of their guard: a signed-out
//! request for one is answered with a redirect to sign in before any of the page is rendered,
//! as Clerk's `auth.protect()` does. Leptos streams a page, so the page itself can no longer
//! change the status once it renders; the decision is taken in front of the router.
//! Navigations inside the running app are guarded in the browser (`require_sign_in`).

/// The paths of the pages that call `require_sign_in`.
pub const SIGNED_IN_PAGES: [&str; 2] = ["/dashboard", "/profile"];

/// Whether `path` (as it came in the request) renders one of [`SIGNED_IN_PAGES`]: compared
/// as the router sees it, resolved (`/a/../dashboard`) and with trailing slashes dropped.
pub fn is_signed_in_page(path: &str) -> bool {
    let Some(resolved) = crate::redirect::same_site_target(path) else {
        return false;
    };
    let trimmed = resolved.trim_end_matches('/');
    SIGNED_IN_PAGES.contains(&trimmed)
}

#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
pub use ssr::redirect_signed_out;

#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
mod ssr {
    use axum::{
        extract::Request,
        http::{HeaderValue, Method, StatusCode, header},
        middleware::Next,
        response::{IntoResponse, Response},
    };

    use super::is_signed_in_page;
    use crate::clerk::{AuthState, paths::sign_in_path, state_of_request};

    /// Middleware behind the auth layer (it reads the `CurrentUser` that layer leaves): a
    /// `GET`/`HEAD` of a signed-in page that the first paint would show signed out gets a 307
    /// to the sign-in page, coming back here. A request whose session only needs refreshing
    /// (`__client_uat` says signed in) renders, and clerk-js decides in the browser.
    pub async fn redirect_signed_out(request: Request, next: Next) -> Response {
        let method = request.method();
        if !(method == Method::GET || method == Method::HEAD)
            || !is_signed_in_page(request.uri().path())
        {
            return next.run(request).await;
        }
        let (parts, body) = request.into_parts();
        if state_of_request(&parts) != AuthState::SignedOut {
            return next.run(Request::from_parts(parts, body)).await;
        }
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path(), |p| p.as_str());
        // `sign_in_path` puts the return path through the redirect rule: always ASCII.
        match HeaderValue::from_str(&sign_in_path(here)) {
            Ok(location) => (
                StatusCode::TEMPORARY_REDIRECT,
                [
                    (header::LOCATION, location),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
            )
                .into_response(),
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_in_pages_are_recognised_as_the_router_resolves_them() {
        for path in [
            "/dashboard",
            "/dashboard/",
            "/profile",
            "/a/../profile",
            "/./dashboard",
        ] {
            assert!(is_signed_in_page(path), "{path}");
        }
        for path in ["/", "/sign-in", "/dashboards", "/api/me", "//dashboard"] {
            assert!(!is_signed_in_page(path), "{path}");
        }
    }
}
