//! Users, sessions, clients, JWT templates and sign-in tokens: the emulator's data, its rules
//! (unique emails, ids never reused, deleted users' sessions revoked, Clerk's password rules),
//! its Clerk-shaped JSON, and the state file it persists to.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::password::{PasswordHash, PasswordRule, check_password};
pub use crate::sign_in_token::SignInToken;
use crate::{EmulatorError, ids};

/// Sessions are created freely (every token minted for a test may make one); beyond this many
/// the oldest inactive ones, then the oldest cookie-less ones, are forgotten.
const MAX_SESSIONS: usize = 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
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
    pub fn password_enabled(&self) -> bool {
        self.password.is_some()
    }

    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    pub fn image_url(&self, base: &str) -> String {
        self.image_url
            .clone()
            .unwrap_or_else(|| format!("{base}/avatars/{}.svg", self.id))
    }

    /// The user as the Backend API and webhooks show it (snake_case, times in milliseconds).
    pub fn clerk_json(&self, base: &str) -> Value {
        let image_url = self.image_url(base);
        json!({
            "id": self.id,
            "object": "user",
            "external_id": null,
            "username": null,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "image_url": image_url,
            "profile_image_url": image_url,
            "has_image": self.image_url.is_some(),
            "primary_email_address_id": self.email_address_id,
            "primary_phone_number_id": null,
            "primary_web3_wallet_id": null,
            "password_enabled": self.password_enabled(),
            "two_factor_enabled": false,
            "totp_enabled": false,
            "backup_code_enabled": false,
            "email_addresses": [{
                "id": self.email_address_id,
                "object": "email_address",
                "email_address": self.email_address,
                "reserved": false,
                "verification": {
                    "status": "verified",
                    "strategy": "email_code",
                    "attempts": null,
                    "expire_at": null,
                },
                "linked_to": [],
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }],
            "phone_numbers": [],
            "web3_wallets": [],
            "passkeys": [],
            "external_accounts": [],
            "saml_accounts": [],
            "enterprise_accounts": [],
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "banned": false,
            "locked": false,
            "lockout_expires_in_seconds": null,
            "verification_attempts_remaining": 100,
            "last_sign_in_at": null,
            "last_active_at": null,
            "legal_accepted_at": null,
            "create_organization_enabled": true,
            "delete_self_enabled": true,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// The user as the Frontend API shows it to the browser: no private metadata.
    pub fn frontend_json(&self, base: &str) -> Value {
        let mut value = self.clerk_json(base);
        if let Some(object) = value.as_object_mut() {
            object.remove("private_metadata");
        }
        value
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
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
    pub fn as_str(self) -> &'static str {
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
pub struct Session {
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
pub const SESSION_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

impl Session {
    /// The status as of `now`: an active session past its `expire_at` is expired.
    pub fn status_at(&self, now: i64) -> SessionStatus {
        if self.status == SessionStatus::Active && self.expire_at > 0 && now >= self.expire_at {
            SessionStatus::Expired
        } else {
            self.status
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "object": "session",
            "id": self.id,
            "user_id": self.user_id,
            "client_id": self.client_id,
            "status": self.status.as_str(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// A browser, recognised by the secret in its `__client` cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Client {
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
pub enum SignInStatus {
    NeedsIdentifier,
    NeedsFirstFactor,
    Complete,
}

impl SignInStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsIdentifier => "needs_identifier",
            Self::NeedsFirstFactor => "needs_first_factor",
            Self::Complete => "complete",
        }
    }
}

/// A sign-in attempt on a client, as Clerk's Frontend API keeps it between requests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignInAttempt {
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
pub struct SignUpAttempt {
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
pub struct Template {
    pub claims: Map<String, Value>,
    pub lifetime_secs: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StateData {
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
pub enum UserEvent {
    Created(User),
    Updated(User),
    Deleted(String),
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("user {0} not found")]
    UserNotFound(String),
    #[error("user {0} was deleted; Clerk never brings a deleted user back")]
    UserDeleted(String),
    #[error("session {0} not found")]
    SessionNotFound(String),
    #[error("client {0} not found")]
    ClientNotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("another user already has the email address {0}")]
    EmailTaken(String),
    #[error("password: {0}")]
    Password(PasswordRule),
    #[error("the password is incorrect")]
    PasswordIncorrect,
    #[error("user {0} has no password")]
    PasswordNotSet(String),
    #[error("sign-in token not found")]
    SignInTokenNotFound,
    #[error("the sign-in token has expired")]
    SignInTokenExpired,
    #[error("the sign-in token has already been used")]
    SignInTokenUsed,
    #[error("the sign-in token has been revoked")]
    SignInTokenRevoked,
    #[error("the sign-in token is {0}; only pending sign-in tokens can be revoked")]
    SignInTokenNotRevocable(&'static str),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: &'static str,
    },
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::UserNotFound(id) | StoreError::UserDeleted(id) => {
                let mut api = ApiError::not_found(format!("user {id}"));
                api.long_message = error.to_string();
                api
            }
            StoreError::SessionNotFound(id) => ApiError::not_found(format!("session {id}")),
            StoreError::ClientNotFound(id) => ApiError::not_found(format!("client {id}")),
            StoreError::Conflict(_) => ApiError::conflict(error.to_string()),
            StoreError::EmailTaken(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_identifier_exists",
                "That email address is taken. Please try another.",
                error.to_string(),
            )
            .with_param("email_address"),
            StoreError::Password(rule) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                rule.code(),
                rule.to_string(),
                rule.to_string(),
            )
            .with_param("password"),
            StoreError::PasswordIncorrect => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_password_incorrect",
                "Password is incorrect. Try again, or use another method.",
                "Password is incorrect. Try again, or use another method.",
            )
            .with_param("password"),
            StoreError::PasswordNotSet(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "strategy_for_user_invalid",
                "Invalid verification strategy",
                "This account has no password; sign in another way.",
            ),
            StoreError::SignInTokenNotFound => ApiError::not_found("sign-in token"),
            StoreError::SignInTokenExpired => ApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_expired_code",
                "sign-in token has expired",
                "This sign-in token has expired. Please request a new one.",
            ),
            StoreError::SignInTokenUsed => ApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_already_used_code",
                "sign-in token has already been used",
                "This sign-in token has already been used. Each token can only be used once.",
            ),
            StoreError::SignInTokenRevoked => ApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_revoked_code",
                "sign-in token has been revoked",
                "This sign-in token has been revoked and cannot be used anymore.",
            ),
            StoreError::SignInTokenNotRevocable(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "sign_in_token_cannot_be_revoked_code",
                "cannot revoke",
                error.to_string(),
            ),
            StoreError::Invalid { field, .. } => {
                ApiError::unprocessable(error.to_string()).with_param(*field)
            }
        }
    }
}

impl From<StoreError> for EmulatorError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UserNotFound(id) | StoreError::UserDeleted(id) => {
                EmulatorError::UserNotFound(id)
            }
            StoreError::SessionNotFound(id) => EmulatorError::SessionNotFound(id),
            other => EmulatorError::Config(other.to_string()),
        }
    }
}

/// A new user's fields, already trimmed.
#[derive(Default, Clone, Deserialize)]
pub struct NewUser {
    pub id: Option<String>,
    pub email_address: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    /// The plain password, hashed before it is stored.
    pub password: Option<String>,
    /// Clerk's `skip_password_checks`: no breach check (see [`check_password`]).
    #[serde(default)]
    pub skip_password_checks: bool,
}

/// Fields to change; `Some(None)` clears a nullable field.
#[derive(Default, Clone)]
pub struct UserPatch {
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

fn hash_new_password(
    password: Option<&str>,
    skip_checks: bool,
) -> Result<Option<PasswordHash>, StoreError> {
    password
        .map(|p| {
            check_password(p, skip_checks)
                .map(|()| PasswordHash::new(p))
                .map_err(StoreError::Password)
        })
        .transpose()
}

pub fn validate_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim();
    if email.is_empty() {
        return Err("Enter an email address.");
    }
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email.to_owned())
    } else {
        Err("Enter an email address like name@example.com.")
    }
}

/// Names: trimmed, empty means absent, at most 100 characters.
pub fn validate_name(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) if name.chars().count() > 100 => Err("Use at most 100 characters."),
        Some(name) => Ok(Some(name.to_owned())),
    }
}

fn validate_image_url(raw: Option<&str>) -> Result<Option<String>, StoreError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) => match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https" | "data") => {
                Ok(Some(url.to_owned()))
            }
            _ => Err(StoreError::Invalid {
                field: "image_url",
                message: "must be an absolute http(s) or data: URL",
            }),
        },
    }
}

impl StateData {
    pub fn user(&self, id: &str) -> Result<&User, StoreError> {
        self.users.iter().find(|u| u.id == id).ok_or_else(|| {
            if self.deleted_user_ids.iter().any(|d| d == id) {
                StoreError::UserDeleted(id.to_owned())
            } else {
                StoreError::UserNotFound(id.to_owned())
            }
        })
    }

    pub fn session(&self, id: &str) -> Result<&Session, StoreError> {
        self.sessions
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| StoreError::SessionNotFound(id.to_owned()))
    }

    /// The browser's client, unless it expired.
    pub fn client_by_cookie(&self, cookie: &str) -> Option<&Client> {
        self.clients
            .iter()
            .find(|c| c.cookie == cookie && !c.expired)
    }

    /// A new client (a browser seen for the first time), kept; returns its cookie value.
    pub fn create_client(&mut self, now: i64) -> Client {
        let client = Client {
            id: ids::new_id("client"),
            cookie: ids::random_alphanumeric(40),
            session_id: None,
            created_at: now,
            updated_at: now,
            sign_in: None,
            sign_up: None,
            expired: false,
        };
        self.clients.push(client.clone());
        self.prune_clients();
        client
    }

    /// Expires a client, as Clerk does when its cookie's lifetime ends: its session ends
    /// with it and its cookie names nothing any more.
    pub fn expire_client(&mut self, id: &str, now: i64) -> Result<(), StoreError> {
        let client = self
            .clients
            .iter_mut()
            .find(|c| c.id == id && !c.expired)
            .ok_or_else(|| StoreError::ClientNotFound(id.to_owned()))?;
        client.expired = true;
        client.updated_at = now;
        let session = client.session_id.take();
        if let Some(sid) = session
            && let Some(session) = self.sessions.iter_mut().find(|s| s.id == sid)
            && session.status == SessionStatus::Active
        {
            session.status = SessionStatus::Expired;
            session.updated_at = now;
        }
        Ok(())
    }

    fn prune_clients(&mut self) {
        while self.clients.len() > MAX_SESSIONS {
            let victim = self
                .clients
                .iter()
                .position(|c| c.expired || c.session_id.is_none())
                .unwrap_or(0);
            self.clients.remove(victim);
        }
    }

    /// The user with this email address, compared ignoring case as Clerk does.
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email_address.eq_ignore_ascii_case(email))
    }

    /// Checks a user's password: `PasswordNotSet` for a user without one.
    pub fn verify_password(&self, user_id: &str, password: &str) -> Result<(), StoreError> {
        let user = self.user(user_id)?;
        let hash = user
            .password
            .as_ref()
            .ok_or_else(|| StoreError::PasswordNotSet(user_id.to_owned()))?;
        if hash.matches(password) {
            Ok(())
        } else {
            Err(StoreError::PasswordIncorrect)
        }
    }

    fn email_taken(&self, email: &str, except: Option<&str>) -> bool {
        self.users
            .iter()
            .any(|u| u.email_address.eq_ignore_ascii_case(email) && Some(u.id.as_str()) != except)
    }

    pub fn create_user(&mut self, new: NewUser, now: i64) -> Result<UserEvent, StoreError> {
        let id = match new.id {
            Some(id) => {
                if !ids::is_valid_user_id(&id) {
                    return Err(StoreError::Invalid {
                        field: "id",
                        message: "must be user_ followed by 1 to 64 letters or digits",
                    });
                }
                if self.deleted_user_ids.contains(&id) {
                    return Err(StoreError::Conflict(format!(
                        "user {id} was deleted; ids are never reused"
                    )));
                }
                if self.users.iter().any(|u| u.id == id) {
                    return Err(StoreError::Conflict(format!("user {id} already exists")));
                }
                id
            }
            None => ids::new_id("user"),
        };
        let email = validate_email(&new.email_address).map_err(|message| StoreError::Invalid {
            field: "email_address",
            message,
        })?;
        if self.email_taken(&email, None) {
            return Err(StoreError::EmailTaken(email));
        }
        let invalid = |field| move |message| StoreError::Invalid { field, message };
        let password = hash_new_password(new.password.as_deref(), new.skip_password_checks)?;
        let user = User {
            email_address_id: ids::new_id("idn"),
            id,
            email_address: email,
            first_name: validate_name(new.first_name.as_deref()).map_err(invalid("first_name"))?,
            last_name: validate_name(new.last_name.as_deref()).map_err(invalid("last_name"))?,
            image_url: validate_image_url(new.image_url.as_deref())?,
            password,
            created_at: now,
            updated_at: now,
        };
        self.users.push(user.clone());
        Ok(UserEvent::Created(user))
    }

    pub fn update_user(
        &mut self,
        id: &str,
        patch: UserPatch,
        now: i64,
    ) -> Result<UserEvent, StoreError> {
        let email = patch
            .email_address
            .as_deref()
            .map(validate_email)
            .transpose()
            .map_err(|message| StoreError::Invalid {
                field: "email_address",
                message,
            })?;
        if let Some(email) = &email
            && self.email_taken(email, Some(id))
        {
            return Err(StoreError::EmailTaken(email.clone()));
        }
        let invalid = |field| move |message| StoreError::Invalid { field, message };
        let first_name = patch
            .first_name
            .map(|n| validate_name(n.as_deref()))
            .transpose()
            .map_err(invalid("first_name"))?;
        let last_name = patch
            .last_name
            .map(|n| validate_name(n.as_deref()))
            .transpose()
            .map_err(invalid("last_name"))?;
        let image_url = patch
            .image_url
            .map(|u| validate_image_url(u.as_deref()))
            .transpose()?;
        let password = hash_new_password(patch.password.as_deref(), patch.skip_password_checks)?;
        self.user(id)?;
        let user = self
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| StoreError::UserNotFound(id.to_owned()))?;
        if let Some(email) = email {
            user.email_address = email;
        }
        if let Some(first_name) = first_name {
            user.first_name = first_name;
        }
        if let Some(last_name) = last_name {
            user.last_name = last_name;
        }
        if let Some(image_url) = image_url {
            user.image_url = image_url;
        }
        if password.is_some() {
            user.password = password;
        }
        // Strictly increasing, so receivers that drop events older than what they stored
        // never drop a real change made within the same millisecond.
        user.updated_at = now.max(user.updated_at + 1);
        Ok(UserEvent::Updated(user.clone()))
    }

    /// Deletes the user, keeps its id as a tombstone and revokes its sessions, as Clerk does.
    pub fn delete_user(&mut self, id: &str, now: i64) -> Result<UserEvent, StoreError> {
        self.user(id)?;
        self.users.retain(|u| u.id != id);
        self.deleted_user_ids.push(id.to_owned());
        for session in self.sessions.iter_mut().filter(|s| s.user_id == id) {
            if session.status == SessionStatus::Active {
                session.status = SessionStatus::Revoked;
                session.updated_at = now;
            }
        }
        for client in &mut self.clients {
            let ended = client
                .session_id
                .as_deref()
                .is_some_and(|sid| self.sessions.iter().any(|s| s.id == sid && s.user_id == id));
            if ended {
                client.session_id = None;
                client.updated_at = now;
            }
        }
        Ok(UserEvent::Deleted(id.to_owned()))
    }

    pub fn create_session(
        &mut self,
        user_id: &str,
        client_id: Option<String>,
        now: i64,
    ) -> Result<Session, StoreError> {
        self.user(user_id)?;
        let session = Session {
            id: ids::new_id("sess"),
            user_id: user_id.to_owned(),
            client_id,
            status: SessionStatus::Active,
            created_at: now,
            updated_at: now,
            expire_at: now.saturating_add(SESSION_LIFETIME_MS),
        };
        self.sessions.push(session.clone());
        self.prune_sessions();
        Ok(session)
    }

    pub fn set_session_status(
        &mut self,
        id: &str,
        status: SessionStatus,
        now: i64,
    ) -> Result<Session, StoreError> {
        let session = self
            .sessions
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| StoreError::SessionNotFound(id.to_owned()))?;
        if session.status == SessionStatus::Active {
            session.status = status;
            session.updated_at = now;
        }
        let session = session.clone();
        for client in &mut self.clients {
            if client.session_id.as_deref() == Some(id) {
                client.session_id = None;
                client.updated_at = now;
            }
        }
        Ok(session)
    }

    /// A new session for the user on this client; the client's previous session ends
    /// (single-session mode, Clerk's default).
    pub fn start_session(
        &mut self,
        client_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Session, StoreError> {
        self.user(user_id)?;
        let previous = self
            .clients
            .iter()
            .find(|c| c.id == client_id && !c.expired)
            .ok_or_else(|| StoreError::ClientNotFound(client_id.to_owned()))?
            .session_id
            .clone();
        if let Some(previous) = previous {
            self.set_session_status(&previous, SessionStatus::Ended, now)?;
        }
        let session = self.create_session(user_id, Some(client_id.to_owned()), now)?;
        if let Some(client) = self.clients.iter_mut().find(|c| c.id == client_id) {
            client.session_id = Some(session.id.clone());
            client.updated_at = now.max(client.updated_at + 1);
        }
        Ok(session)
    }

    fn prune_sessions(&mut self) {
        while self.sessions.len() > MAX_SESSIONS {
            let victim = self
                .sessions
                .iter()
                .position(|s| s.status != SessionStatus::Active)
                .or_else(|| self.sessions.iter().position(|s| s.client_id.is_none()))
                .unwrap_or(0);
            self.sessions.remove(victim);
        }
    }

    /// The fixed users of a fresh emulator, so demos and tests can name them.
    pub fn seed(&mut self, now: i64) -> Vec<UserEvent> {
        SEEDS
            .iter()
            .filter_map(|seed| {
                self.create_user(
                    NewUser {
                        id: Some(seed.id.to_owned()),
                        email_address: seed.email.to_owned(),
                        first_name: Some(seed.first_name.to_owned()),
                        last_name: Some(seed.last_name.to_owned()),
                        image_url: None,
                        password: Some(seed.password.to_owned()),
                        skip_password_checks: false,
                    },
                    now,
                )
                .ok()
            })
            .collect()
    }
}

/// A seeded user. The password is public on purpose: it is shown on the sign-in page and in
/// the README, so that a person can sign in with email and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    pub id: &'static str,
    pub email: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub password: &'static str,
}

/// Seeded users; each password is the name and the year of birth.
pub const SEEDS: [Seed; 3] = [
    Seed {
        id: "user_2seedAdaLovelace00000000000",
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "Lovelace",
        password: "ada-lovelace-1815",
    },
    Seed {
        id: "user_2seedGraceHopper00000000000",
        email: "grace@example.com",
        first_name: "Grace",
        last_name: "Hopper",
        password: "grace-hopper-1906",
    },
    Seed {
        id: "user_2seedAlanTuring000000000000",
        email: "alan@example.com",
        first_name: "Alan",
        last_name: "Turing",
        password: "alan-turing-1912",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> NewUser {
        NewUser {
            email_address: "ada@example.com".into(),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            ..NewUser::default()
        }
    }

    #[test]
    fn deleted_ids_are_never_reused_and_sessions_are_revoked() {
        let mut data = StateData::default();
        let mut new = ada();
        new.id = Some("user_fixed1".into());
        data.create_user(new.clone(), 1).expect("created");
        let client = data.create_client(2);
        let session = data
            .start_session(&client.id, "user_fixed1", 2)
            .expect("signed in");
        data.delete_user("user_fixed1", 3).expect("deleted");
        assert_eq!(
            data.session(&session.id).expect("kept").status,
            SessionStatus::Revoked
        );
        assert_eq!(
            data.user("user_fixed1"),
            Err(StoreError::UserDeleted("user_fixed1".into()))
        );
        assert!(matches!(
            data.create_user(new, 4),
            Err(StoreError::Conflict(_))
        ));
    }

    #[test]
    fn signing_in_again_replaces_the_clients_session() {
        let mut data = StateData::default();
        data.seed(1);
        let client = data.create_client(2);
        let first = data
            .start_session(&client.id, SEEDS[0].id, 2)
            .expect("first");
        let second = data
            .start_session(&client.id, SEEDS[1].id, 3)
            .expect("second");
        let same = data
            .client_by_cookie(&client.cookie)
            .expect("client")
            .clone();
        assert_eq!(
            data.session(&first.id).expect("first").status,
            SessionStatus::Ended
        );
        assert_eq!(same.session_id.as_deref(), Some(second.id.as_str()));
    }

    #[test]
    fn updated_at_strictly_increases() {
        let mut data = StateData::default();
        let UserEvent::Created(user) = data.create_user(ada(), 10).expect("created") else {
            panic!("not a created event")
        };
        let patch = UserPatch {
            first_name: Some(Some("Augusta".into())),
            ..UserPatch::default()
        };
        let UserEvent::Updated(updated) = data.update_user(&user.id, patch, 10).expect("updated")
        else {
            panic!("not an updated event")
        };
        assert_eq!(updated.updated_at, 11);
        assert_eq!(updated.first_name.as_deref(), Some("Augusta"));
    }

    #[test]
    fn email_validation_explains_itself() {
        assert_eq!(
            validate_email("  a@b.co "),
            Ok::<_, &str>("a@b.co".to_owned())
        );
        assert!(validate_email("").is_err());
        assert!(validate_email("no-at.example.com").is_err());
        assert!(validate_email("a@localhost").is_err());
        assert!(validate_email("a b@c.de").is_err());
    }

    #[test]
    fn emails_are_unique_ignoring_case_as_clerks_form_identifier_exists() {
        let mut data = StateData::default();
        data.create_user(ada(), 1).expect("first");
        let mut again = ada();
        again.email_address = "Ada@Example.com".into();
        let error = data.create_user(again, 2).expect_err("refused");
        assert_eq!(error, StoreError::EmailTaken("Ada@Example.com".into()));
        let api = ApiError::from(error);
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(api.code, "form_identifier_exists");
        assert_eq!(api.param_name.as_deref(), Some("email_address"));
    }

    #[test]
    fn a_password_is_stored_hashed_and_verified() {
        let mut data = StateData::default();
        let mut new = ada();
        new.password = Some("correct-horse".into());
        let UserEvent::Created(user) = data.create_user(new, 1).expect("created") else {
            panic!("not a created event")
        };
        assert!(user.password_enabled());
        assert_eq!(user.clerk_json("http://x.y")["password_enabled"], true);
        let stored = serde_json::to_string(&data).expect("json");
        assert!(!stored.contains("correct-horse"), "{stored}");
        assert_eq!(data.verify_password(&user.id, "correct-horse"), Ok(()));
        assert_eq!(
            data.verify_password(&user.id, "wrong-horse"),
            Err(StoreError::PasswordIncorrect)
        );
        assert_eq!(
            data.verify_password("user_nobody", "correct-horse"),
            Err(StoreError::UserNotFound("user_nobody".into()))
        );
    }

    #[test]
    fn a_user_without_a_password_cannot_sign_in_with_one() {
        let mut data = StateData::default();
        let UserEvent::Created(user) = data.create_user(ada(), 1).expect("created") else {
            panic!("not a created event")
        };
        assert!(!user.password_enabled());
        assert_eq!(user.clerk_json("http://x.y")["password_enabled"], false);
        assert_eq!(
            data.verify_password(&user.id, "anything-at-all"),
            Err(StoreError::PasswordNotSet(user.id.clone()))
        );
    }

    #[test]
    fn a_short_or_breached_password_is_refused_with_clerks_code() {
        let mut data = StateData::default();
        let mut new = ada();
        new.password = Some("short".into());
        let error = data.create_user(new.clone(), 1).expect_err("refused");
        assert_eq!(error, StoreError::Password(PasswordRule::TooShort));
        let api = ApiError::from(error);
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(api.code, "form_password_length_too_short");
        assert_eq!(api.param_name.as_deref(), Some("password"));
        assert!(api.long_message.contains('8'), "{}", api.long_message);

        new.password = Some("password1".into());
        assert_eq!(
            data.create_user(new.clone(), 1).err(),
            Some(StoreError::Password(PasswordRule::Breached))
        );
        new.skip_password_checks = true;
        data.create_user(new, 1)
            .expect("the breach check is skipped");
        assert_eq!(data.users.len(), 1);
    }

    #[test]
    fn a_password_can_be_set_by_an_update_and_old_one_stops_working() {
        let mut data = StateData::default();
        let mut new = ada();
        new.password = Some("first-password".into());
        let UserEvent::Created(user) = data.create_user(new, 1).expect("created") else {
            panic!("not a created event")
        };
        let patch = UserPatch {
            password: Some("short".into()),
            ..UserPatch::default()
        };
        assert_eq!(
            data.update_user(&user.id, patch, 2).err(),
            Some(StoreError::Password(PasswordRule::TooShort))
        );
        let patch = UserPatch {
            password: Some("second-password".into()),
            ..UserPatch::default()
        };
        data.update_user(&user.id, patch, 3).expect("updated");
        assert_eq!(data.verify_password(&user.id, "second-password"), Ok(()));
        assert_eq!(
            data.verify_password(&user.id, "first-password"),
            Err(StoreError::PasswordIncorrect)
        );
        // An update without a password keeps the one there is.
        let patch = UserPatch {
            first_name: Some(Some("Augusta".into())),
            ..UserPatch::default()
        };
        data.update_user(&user.id, patch, 4).expect("updated");
        assert_eq!(data.verify_password(&user.id, "second-password"), Ok(()));
    }

    #[test]
    fn users_are_found_by_email_ignoring_case() {
        let mut data = StateData::default();
        data.seed(1);
        assert_eq!(
            data.user_by_email(" ADA@example.com")
                .map(|u| u.id.as_str()),
            Some(SEEDS[0].id)
        );
        assert!(data.user_by_email("nobody@example.com").is_none());
    }

    #[test]
    fn seeded_users_sign_in_with_their_published_passwords() {
        let mut data = StateData::default();
        data.seed(1);
        for seed in SEEDS {
            assert_eq!(data.verify_password(seed.id, seed.password), Ok(()));
            assert!(seed.password.len() >= 8);
        }
    }

    #[test]
    fn passwords_and_sign_in_tokens_survive_the_state_file() {
        let mut data = StateData::default();
        data.seed(1);
        let minted = data
            .create_sign_in_token(SEEDS[1].id, 60, 1)
            .expect("minted");
        let text = serde_json::to_string(&data).expect("json");
        let mut back: StateData = serde_json::from_str(&text).expect("parsed");
        assert_eq!(back.verify_password(SEEDS[0].id, SEEDS[0].password), Ok(()));
        assert_eq!(
            back.consume_sign_in_token(&minted.token, 2).as_deref(),
            Ok(SEEDS[1].id)
        );
    }

    #[test]
    fn a_state_file_from_before_passwords_still_loads() {
        let old = r#"{"users":[{"id":"user_old1","email_address_id":"idn_1",
            "email_address":"old@example.com","first_name":null,"last_name":null,
            "image_url":null,"created_at":1,"updated_at":1}]}"#;
        let data: StateData = serde_json::from_str(old).expect("parsed");
        assert!(!data.users[0].password_enabled());
        assert!(data.sign_in_tokens.is_empty());
    }

    #[test]
    fn debug_output_never_shows_a_password() {
        let mut new = ada();
        new.password = Some("secret-words".into());
        let patch = UserPatch {
            password: Some("secret-words".into()),
            ..UserPatch::default()
        };
        let shown = format!("{new:?} {patch:?}");
        assert!(!shown.contains("secret-words"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn sessions_are_bounded() {
        let mut data = StateData::default();
        data.seed(1);
        for i in 0..(MAX_SESSIONS + 10) {
            data.create_session(SEEDS[0].id, None, i as i64)
                .expect("session");
        }
        assert_eq!(data.sessions.len(), MAX_SESSIONS);
    }
}
