//! Every change to the data, each keeping the store's rules: unique emails, ids never reused,
//! deleted users' sessions revoked, bounded sessions and clients.

use super::error::StoreError;
use super::model::{
    Client, NewUser, SESSION_LIFETIME_MS, Session, SessionStatus, StateData, StoreEvent, User,
    UserPatch,
};
use super::validation::{hash_new_password, validate_email, validate_image_url, validate_name};
use crate::ids;

/// Sessions are created freely (every token minted for a test may make one); beyond this many
/// the oldest inactive ones, then the oldest cookie-less ones, are forgotten.
pub(super) const MAX_SESSIONS: usize = 1000;

impl StateData {
    pub(crate) fn user(&self, id: &str) -> Result<&User, StoreError> {
        self.users.iter().find(|u| u.id == id).ok_or_else(|| {
            if self.deleted_user_ids.iter().any(|d| d == id) {
                StoreError::UserDeleted(id.to_owned())
            } else {
                StoreError::UserNotFound(id.to_owned())
            }
        })
    }

    pub(crate) fn session(&self, id: &str) -> Result<&Session, StoreError> {
        self.sessions
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| StoreError::SessionNotFound(id.to_owned()))
    }

    /// The browser's client, unless it expired.
    pub(crate) fn client_by_cookie(&self, cookie: &str) -> Option<&Client> {
        self.clients
            .iter()
            .find(|c| c.cookie == cookie && !c.expired)
    }

    /// A new client (a browser seen for the first time), kept; returns its cookie value.
    pub(crate) fn create_client(&mut self, now: i64) -> Client {
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
    pub(crate) fn expire_client(&mut self, id: &str, now: i64) -> Result<(), StoreError> {
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
    pub(crate) fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email_address.eq_ignore_ascii_case(email))
    }

    /// Checks a user's password: `PasswordNotSet` for a user without one.
    pub(crate) fn verify_password(&self, user_id: &str, password: &str) -> Result<(), StoreError> {
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

    pub(crate) fn create_user(&mut self, new: NewUser, now: i64) -> Result<StoreEvent, StoreError> {
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
        Ok(StoreEvent::Created(user))
    }

    pub(crate) fn update_user(
        &mut self,
        id: &str,
        patch: UserPatch,
        now: i64,
    ) -> Result<StoreEvent, StoreError> {
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
        Ok(StoreEvent::Updated(user.clone()))
    }

    /// Deletes the user, keeps its id as a tombstone and revokes its sessions, as Clerk does.
    pub(crate) fn delete_user(&mut self, id: &str, now: i64) -> Result<StoreEvent, StoreError> {
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
        Ok(StoreEvent::Deleted(id.to_owned()))
    }

    pub(crate) fn create_session(
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

    pub(crate) fn set_session_status(
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
    pub(crate) fn start_session(
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
}
