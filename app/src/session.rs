//! Who is calling, for server functions: the `CurrentUser` the auth layer put into the
//! request, and the `current_user` server function that hands it to the browser.

use leptos::prelude::*;

use crate::api::{ApiError, UserProfile};

/// The local user behind the call (the row in `users`, synced by the auth layer), or `None`
/// when the call carries no session token. An invalid token never gets here: the auth layer
/// has answered 401 already.
// `name`: the default struct name would be `CurrentUser`, the same as the extractor's.
#[server(name = GetCurrentUser, client = crate::client::AuthedClient, endpoint = "fn/me")]
pub async fn current_user() -> Result<Option<UserProfile>, ApiError> {
    Ok(request_user().map(|user| UserProfile::from(&user.0)))
}

#[cfg(feature = "ssr")]
pub use ssr::{request_user, require_user};

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::with_context;

    use crate::{api::ApiError, auth::CurrentUser};

    /// The request's user, as the auth layer left it in the extensions. leptos_axum provides
    /// the request's `Parts` to server functions and to pages rendering on the server.
    pub fn request_user() -> Option<CurrentUser> {
        with_context::<http::request::Parts, _>(|parts| {
            parts.extensions.get::<CurrentUser>().cloned()
        })
        .flatten()
    }

    /// Like the `CurrentUser` extractor: 401 `signed-out` for an anonymous call.
    pub fn require_user() -> Result<CurrentUser, ApiError> {
        request_user().ok_or_else(ApiError::signed_out)
    }
}
