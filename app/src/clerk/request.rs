//! The first paint's state, read from the request being rendered when the app passes none:
//! the auth layer's verified user, else Clerk's own hint about whether a session exists.

use http::request::Parts;
use leptos::prelude::use_context;

use super::AuthState;
use crate::auth::{CurrentUser, HandshakeExhausted, cookie};

/// `Loading` when not rendering a request (leptos_axum puts the request's `Parts` in context).
pub(super) fn initial_state() -> AuthState {
    use_context::<Parts>().map_or(AuthState::Loading, |parts| from_request(&parts))
}

pub(crate) fn from_request(parts: &Parts) -> AuthState {
    if let Some(CurrentUser(user)) = parts.extensions.get::<CurrentUser>() {
        return AuthState::SignedIn(user.into());
    }
    if parts.extensions.get::<HandshakeExhausted>().is_some() {
        return AuthState::SignedOut;
    }
    // No verified user, but the token cookie lives only 60 s: clerk-js's `__client_uat`
    // (seconds of the last sign-in, `0` when signed out) tells a stale token from no session.
    // With a session, clerk-js will sign the page in as soon as it loads: do not paint
    // "signed out" in between.
    match cookie(&parts.headers, "__client_uat") {
        Some(uat) if uat != "0" => AuthState::Loading,
        _ => AuthState::SignedOut,
    }
}

#[cfg(test)]
mod tests {
    use http::header::COOKIE;
    use populatte::{ClerkId, User, UserId};
    use uuid::Uuid;

    use super::*;

    fn request(cookie: Option<&str>, user: Option<User>) -> Parts {
        let mut builder = http::Request::builder();
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, cookie);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        if let Some(user) = user {
            parts.extensions.insert(CurrentUser(user));
        }
        parts
    }

    fn ada() -> User {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        User {
            id: UserId::from_uuid(Uuid::from_u128(1)),
            clerk_id: ClerkId::parse("user_ada").unwrap(),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: None,
            image_url: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_verified_user_paints_signed_in() {
        let state = from_request(&request(None, Some(ada())));
        assert_eq!(state.user().map(|u| u.id.as_str()), Some("user_ada"));
    }

    #[test]
    fn a_clerk_session_without_a_verified_token_paints_loading_not_signed_out() {
        let state = from_request(&request(Some("theme=dark; __client_uat=1767225600"), None));
        assert_eq!(state, AuthState::Loading);
    }

    #[test]
    fn an_exhausted_handshake_paints_signed_out_despite_client_uat() {
        let mut parts = request(Some("__client_uat=1767225600; __session=expired"), None);
        parts.extensions.insert(HandshakeExhausted);
        assert_eq!(from_request(&parts), AuthState::SignedOut);
    }

    #[test]
    fn no_session_paints_signed_out() {
        assert_eq!(from_request(&request(None, None)), AuthState::SignedOut);
        let signed_out = request(Some("__client_uat=0; __session=x"), None);
        assert_eq!(from_request(&signed_out), AuthState::SignedOut);
    }
}
