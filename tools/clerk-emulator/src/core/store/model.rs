//! The emulator's data as it is kept in memory and in the state file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::core::password::PasswordHash;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct User {
    pub id: String,
    pub email_address_id: String,
    pub email_address: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// None: the emulator's generated avatar.
    pub image_url: Option<String>,
    /// A salted hash, never the password; None: the user signs in without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<PasswordHash>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl User {
    pub(crate) fn password_enabled(&self) -> bool {
        self.password.is_some()
    }

    pub(crate) fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    pub(crate) fn image_url(&self, base: &str) -> String {
        self.image_url
            .clone()
            .unwrap_or_else(|| format!("{base}/avatars/{}.svg", self.id))
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SessionStatus {
    Active,
    /// Ended through the control API.
    Ended,
    /// Signed out by the browser (`remove`), as Clerk calls it.
    Removed,
    /// Revoked, e.g. from the dashboard or because the user was deleted.
    Revoked,
    /// Past its `expire_at`, or its client expired.
    Expired,
}

impl SessionStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Ended => "ended",
            Self::Removed => "removed",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Session {
    pub id: String,
    pub user_id: String,
    /// None for sessions made by the control API to mint tokens for tests.
    pub client_id: Option<String>,
    pub status: SessionStatus,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the session ends by itself (Clerk's default: seven days after sign-in). 0 in
    /// state files written before sessions expired: never.
    #[serde(default)]
    pub expire_at: i64,
}

/// Clerk's default maximum session lifetime.
pub(crate) const SESSION_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

impl Session {
    /// The status as of `now`: an active session past its `expire_at` is expired.
    pub(crate) fn status_at(&self, now: i64) -> SessionStatus {
        if self.status == SessionStatus::Active && self.expire_at > 0 && now >= self.expire_at {
            SessionStatus::Expired
        } else {
            self.status
        }
    }
}

/// A browser, recognised by the secret in its `__client` cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Client {
    pub id: String,
    pub cookie: String,
    pub session_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The sign-in in progress (Clerk keeps one per client).
    #[serde(default)]
    pub sign_in: Option<SignInAttempt>,
    /// The sign-up in progress.
    #[serde(default)]
    pub sign_up: Option<SignUpAttempt>,
    /// An expired client is forgotten: its cookie no longer names a client.
    #[serde(default)]
    pub expired: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SignInStatus {
    NeedsIdentifier,
    NeedsFirstFactor,
    Complete,
}

impl SignInStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::NeedsIdentifier => "needs_identifier",
            Self::NeedsFirstFactor => "needs_first_factor",
            Self::Complete => "complete",
        }
    }
}

/// A sign-in attempt on a client, as Clerk's Frontend API keeps it between requests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct SignInAttempt {
    pub id: String,
    pub status: SignInStatus,
    pub identifier: Option<String>,
    pub user_id: Option<String>,
    /// The strategy that completed the first factor.
    pub verified_with: Option<String>,
    pub created_session_id: Option<String>,
    pub created_at: i64,
}

/// A sign-up in progress: what has been given so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct SignUpAttempt {
    pub id: String,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Whether a password was given; the password itself lives only in the created user.
    pub has_password: bool,
    pub created_user_id: Option<String>,
    pub created_session_id: Option<String>,
    pub created_at: i64,
}

/// A JWT template: claims with Clerk's `{{user.…}}` shortcodes, and an optional lifetime.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Template {
    pub claims: Map<String, Value>,
    pub lifetime_secs: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct StateData {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub deleted_user_ids: Vec<String>,
    #[serde(default)]
    pub sessions: Vec<Session>,
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub templates: BTreeMap<String, Template>,
    #[serde(default)]
    pub sign_in_tokens: Vec<SignInToken>,
}

/// A change to a user, to be sent as a webhook.
#[derive(Debug, Clone)]
pub(crate) enum StoreEvent {
    Created(User),
    Updated(User),
    Deleted(String),
}

/// A new user's fields, already trimmed.
#[derive(Default, Clone, Deserialize)]
pub(crate) struct NewUser {
    pub id: Option<String>,
    pub email_address: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    /// The plain password, hashed before it is stored.
    pub password: Option<String>,
    /// Clerk's `skip_password_checks`: no breach check (see [`check_password`](crate::core::password::check_password)).
    #[serde(default)]
    pub skip_password_checks: bool,
}

/// Fields to change; `Some(None)` clears a nullable field.
#[derive(Default, Clone)]
pub(crate) struct UserPatch {
    pub email_address: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub image_url: Option<Option<String>>,
    /// A new password (plain, hashed before it is stored).
    pub password: Option<String>,
    pub skip_password_checks: bool,
}

/// Shows that a password is present, never what it is.
fn redacted(password: &Option<String>) -> Option<&'static str> {
    password.as_ref().map(|_| "[redacted]")
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("id", &self.id)
            .field("email_address", &self.email_address)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("image_url", &self.image_url)
            .field("password", &redacted(&self.password))
            .field("skip_password_checks", &self.skip_password_checks)
            .finish()
    }
}

impl std::fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPatch")
            .field("email_address", &self.email_address)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("image_url", &self.image_url)
            .field("password", &redacted(&self.password))
            .field("skip_password_checks", &self.skip_password_checks)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SignInTokenStatus {
    Pending,
    /// Redeemed: a sign-in used it.
    Accepted,
    Revoked,
}

impl SignInTokenStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
        }
    }
}

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct SignInToken {
    /// `sit_…`
    pub id: String,
    pub user_id: String,
    /// The secret the `ticket` strategy receives.
    pub token: String,
    pub status: SignInTokenStatus,
    /// Milliseconds, like every time in the store.
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Leaves the secret out, so a logged token cannot be redeemed by whoever reads the log.
impl std::fmt::Debug for SignInToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInToken")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("status", &self.status)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl SignInToken {
    /// `<base>/sign-in?__clerk_ticket=<token>`: the emulator's sign-in page redeems it.
    pub(crate) fn url(&self, base: &str) -> String {
        format!("{base}/sign-in?__clerk_ticket={}", self.token)
    }

    /// The Backend API's `sign_in_token` object.
    pub(crate) fn clerk_json(&self, base: &str) -> Value {
        json!({
            "object": "sign_in_token",
            "id": self.id,
            "user_id": self.user_id,
            "token": self.token,
            "status": self.status.as_str(),
            "url": self.url(base),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}
