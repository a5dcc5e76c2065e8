//! The signed-in user, as every handler, server function and page receives it.
//!
//! The server's auth layer verifies the session token, syncs the user into Postgres and puts
//! a [`CurrentUser`] into the request's extensions. Handlers only ever take it from there:
//! nobody looks a user up by Clerk id.

use http::{HeaderMap, header::COOKIE};
use populatte::User;

/// The local user behind the request's session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser(pub User);

impl std::ops::Deref for CurrentUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

/// Put into a request's extensions by the auth layer when Clerk's handshake could not bring
/// the session cookie up to date within its redirect limit: the request counts as signed
/// out, whatever `__client_uat` says, so that the page stops asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeExhausted;

/// The value of one cookie, from every `Cookie` header of a request. Shared by the auth
/// layer (`__session`, `__client_uat`) and the first paint's guess at the session.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::{
        extract::FromRequestParts, extract::OptionalFromRequestParts, http::request::Parts,
    };

    use super::CurrentUser;
    use crate::api::ApiError;

    /// `CurrentUser` in a handler: 401 when the request is anonymous. (A request with a bad
    /// token never gets this far: the auth layer has answered 401 already.)
    impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
        type Rejection = ApiError;

        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
            parts
                .extensions
                .get::<CurrentUser>()
                .cloned()
                .ok_or_else(ApiError::signed_out)
        }
    }

    /// `Option<CurrentUser>`: `None` for an anonymous request; never rejects.
    impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            parts: &mut Parts,
            _: &S,
        ) -> Result<Option<Self>, Self::Rejection> {
            Ok(parts.extensions.get::<CurrentUser>().cloned())
        }
    }
}
