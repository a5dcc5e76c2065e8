//! From a session token to the local user: verify, then the cache, then `SyncUser`.

use std::sync::Arc;

use app::api::ApiError;
use populatte::{
    ChangeSource, ClerkId, ProfileFields, RepositoryError, SyncError, SyncUser, User, UserChange,
    UserRepository,
};

use super::{
    cache::{Cached, UserCache},
    failure::{AuthFailure, Rejection},
    sessions::SessionCache,
    token::{FoundToken, TokenSource},
    verify::{VerifiedSession, Verifier},
};
use crate::clerk::backend::{BackendError, ClerkBackend, ClerkProfile};

pub struct Authenticator {
    verifier: Verifier,
    /// Tokens verified before, until they expire: the warm path skips RS256.
    sessions: SessionCache,
    users: Arc<dyn UserRepository>,
    cache: Arc<UserCache>,
    /// Clerk's Backend API, for tokens without profile claims; `None` without a secret key.
    backend: Option<ClerkBackend>,
}

impl Authenticator {
    pub fn new(
        verifier: Verifier,
        users: Arc<dyn UserRepository>,
        cache: Arc<UserCache>,
        backend: Option<ClerkBackend>,
    ) -> Self {
        Self {
            sessions: SessionCache::new(
                crate::config::CacheConfig::DEFAULT_TOKEN_CACHE_BYTES,
                verifier.skew_secs(),
            ),
            verifier,
            users,
            cache,
            backend,
        }
    }

    /// Bounds the verified-token cache to `capacity_bytes` (`AUTH_TOKEN_CACHE_MIB`).
    pub fn with_token_cache(mut self, capacity_bytes: u64) -> Self {
        self.sessions = SessionCache::new(capacity_bytes, self.verifier.skew_secs());
        self
    }

    /// The verified-token cache: its size, for the memory measurement.
    pub fn token_cache(&self) -> &SessionCache {
        &self.sessions
    }

    pub fn cache(&self) -> &Arc<UserCache> {
        &self.cache
    }

    /// Drops everything remembered about a user (cached row, Clerk's profile answer): a
    /// webhook changed or deleted them, here or on another instance.
    pub(crate) fn forget(&self, clerk_id: &ClerkId) {
        self.cache.invalidate(clerk_id);
        if let Some(backend) = &self.backend {
            backend.forget(clerk_id);
        }
    }

    /// The local user behind `token` at `now` (Unix seconds).
    pub async fn authenticate(
        &self,
        token: &FoundToken<'_>,
        now: i64,
    ) -> Result<User, AuthFailure> {
        let session = match self.sessions.get(token.token, now) {
            Some(session) => session,
            None => {
                let session = Arc::new(self.verifier.verify(token.token, now).await?);
                self.sessions.insert(token.token, session.clone());
                session
            }
        };
        // A token naming no origin rides only in this site's own cookie (what Clerk's
        // handshake sets); presented in a header, anyone could have fetched it.
        if session.azp_missing && token.source == TokenSource::Header {
            return Err(Rejection::InvalidAuthorizedParty.into());
        }
        if token.source == TokenSource::Cookie
            && token
                .client_uat
                .is_some_and(|uat| session.issued_at.unix_timestamp() < uat)
        {
            // The browser signed in again after this cookie was written.
            return Err(Rejection::StaleCookie.into());
        }
        self.user_for(&session).await
    }

    /// The cookie directives of a verified handshake payload.
    pub(crate) async fn verify_handshake(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Vec<String>, AuthFailure> {
        self.verifier.verify_handshake(token, now).await
    }

    /// The warm path is the first branch: a cached user whose profile equals the token's
    /// claims, with no database round trip at all.
    pub(crate) async fn user_for(&self, session: &VerifiedSession) -> Result<User, AuthFailure> {
        match self.cache.get(&session.clerk_id) {
            Some(Cached::Deleted) => return Err(Rejection::UserDeleted.into()),
            Some(Cached::Live(user))
                if session
                    .profile
                    .as_ref()
                    .is_none_or(|p| user.agrees_with(p, session.fields)) =>
            {
                return Ok(user);
            }
            _ => {}
        }
        let epoch = self.cache.epoch();
        let result = self.load(session).await;
        let clerk_id = session.clerk_id.clone();
        match &result {
            Ok(user) => {
                self.cache
                    .insert(clerk_id, Cached::Live(user.clone()), epoch);
            }
            Err(AuthFailure::Rejected(Rejection::UserDeleted)) => {
                self.cache.insert(clerk_id, Cached::Deleted, epoch);
            }
            Err(_) => {}
        }
        result
    }

    async fn load(&self, session: &VerifiedSession) -> Result<User, AuthFailure> {
        let change = match &session.profile {
            Some(profile) => UserChange {
                clerk_id: session.clerk_id.clone(),
                profile: profile.clone(),
                fields: session.fields,
                as_of: session.issued_at,
                source: ChangeSource::SessionToken,
            },
            None => {
                // Without claims there is nothing to compare: a stored user is the answer
                // (webhooks keep it current) and Clerk is asked only about new users.
                match self
                    .users
                    .find_by_clerk_id(&session.clerk_id)
                    .await
                    .map_err(store_failure)?
                {
                    Some(record) if record.is_deleted() => {
                        return Err(Rejection::UserDeleted.into());
                    }
                    Some(record) => return Ok(record.user),
                    None => {
                        let ClerkProfile {
                            profile,
                            updated_at,
                        } = self.profile_from_clerk(&session.clerk_id).await?;
                        UserChange {
                            clerk_id: session.clerk_id.clone(),
                            profile,
                            fields: ProfileFields::ALL,
                            as_of: updated_at,
                            source: ChangeSource::SessionToken,
                        }
                    }
                }
            }
        };
        match SyncUser::new(self.users.as_ref()).execute(&change).await {
            Ok(synced) => {
                tracing::debug!(clerk_id = %change.clerk_id, outcome = ?synced.outcome, "user synced");
                Ok(synced.user)
            }
            Err(SyncError::UserDeleted) => Err(Rejection::UserDeleted.into()),
            Err(SyncError::Repository(error)) => Err(store_failure(error)),
        }
    }

    async fn profile_from_clerk(&self, clerk_id: &ClerkId) -> Result<ClerkProfile, AuthFailure> {
        let Some(backend) = &self.backend else {
            return Err(Rejection::ClaimsMissing.into());
        };
        backend.profile(clerk_id).await.map_err(|error| match error {
            // A valid token for a user Clerk no longer has: deleted moments ago.
            BackendError::NotFound => Rejection::UserDeleted.into(),
            BackendError::RateLimited | BackendError::Unavailable(_) => AuthFailure::Unavailable {
                message: "Your profile cannot be loaded from Clerk right now; try again shortly.",
                detail: error.to_string(),
            },
        })
    }
}

fn store_failure(error: RepositoryError) -> AuthFailure {
    match error {
        RepositoryError::Unavailable(detail) => AuthFailure::Unavailable {
            message: ApiError::STORE_UNAVAILABLE,
            detail,
        },
        RepositoryError::Failed(detail) => AuthFailure::Internal(detail),
    }
}
