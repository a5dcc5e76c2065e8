//! What the auth benches share: the authenticator they measure and the router that puts the
//! auth layer in front of `GET /api/me`. Included by `auth.rs` and `memory.rs`.

use std::{sync::Arc, time::Duration};

use axum::{Router, middleware, routing::get};
use populatte::{User, UserChange, UserId, UserRepository};
use server::{
    auth::{
        AuthLayerState, Authenticator, cache::UserCache, keys::KeyStore, layer::authenticate,
        verify::Verifier, verify::VerifierSettings,
    },
    routes::me::me,
};
use time::OffsetDateTime;

/// The key that verifies the benches' tokens (signed with `test_key_a.pem`).
pub(crate) const PUBLIC_KEY: &str = include_str!("../../tests/fixtures/test_key_a.pub.pem");
/// The `iss` of the benches' tokens.
pub(crate) const ISSUER: &str = "https://bench.clerk.accounts.dev";

/// An authenticator over `users`, its user cache on from the start: no listener runs here,
/// so nothing needs invalidating.
pub(crate) fn authenticator(
    users: Arc<dyn UserRepository>,
    user_cache_entries: usize,
    user_cache_max_age: Duration,
) -> Authenticator {
    Authenticator::new(
        Verifier::new(
            KeyStore::from_pem(PUBLIC_KEY).unwrap(),
            VerifierSettings {
                issuer: Some(ISSUER.into()),
                ..VerifierSettings::default()
            },
        ),
        users,
        Arc::new({
            let cache = UserCache::new(user_cache_entries, user_cache_max_age);
            cache.set_enabled(true);
            cache
        }),
        None,
    )
}

/// `GET /api/me` behind the whole auth middleware, as the server mounts it (no CSRF origins,
/// no cookie suffix, no handshake: bearer tokens only).
pub(crate) fn me_router(authenticator: Arc<Authenticator>) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .layer(middleware::from_fn_with_state(
            AuthLayerState {
                authenticator,
                allowed_origins: Arc::new(Vec::new()),
                cookie_suffix: None,
                handshake: None,
            },
            authenticate,
        ))
}

/// The local user a bench store makes for a first sign-in, created and updated `at`.
pub(crate) fn new_user(change: &UserChange, at: OffsetDateTime) -> User {
    User {
        id: UserId::from_uuid(uuid::Uuid::new_v4()),
        clerk_id: change.clerk_id.clone(),
        email: change.profile.email.clone(),
        first_name: change.profile.first_name.clone(),
        last_name: change.profile.last_name.clone(),
        image_url: change.profile.image_url.clone(),
        created_at: at,
        updated_at: at,
    }
}
