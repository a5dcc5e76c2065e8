//! The local user entity and its identifiers.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Profile, ProfileFields};

/// The local primary key of a user row. Never shown to Clerk, never taken from a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(Uuid);

impl UserId {
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a string is not a Clerk user id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClerkIdError {
    #[error("a Clerk user id starts with `user_`")]
    MissingPrefix,
    #[error("a Clerk user id has characters after `user_`")]
    Empty,
    #[error("a Clerk user id holds only ASCII letters and digits after `user_`")]
    InvalidCharacter,
    #[error("a Clerk user id is at most {max} characters long", max = ClerkId::MAX_LEN)]
    TooLong,
}

/// A Clerk user id (`user_` followed by ASCII letters and digits). A value of this type is
/// always well-formed: parse at the edge, then trust it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ClerkId(String);

impl ClerkId {
    const PREFIX: &'static str = "user_";
    /// Clerk's ids are 32 characters today; the bound only keeps garbage out of the database.
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ClerkIdError> {
        let rest = raw
            .strip_prefix(Self::PREFIX)
            .ok_or(ClerkIdError::MissingPrefix)?;
        if rest.is_empty() {
            return Err(ClerkIdError::Empty);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(ClerkIdError::TooLong);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ClerkIdError::InvalidCharacter);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClerkId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ClerkId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A Populatte user as stored locally: the mirror of a Clerk user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub clerk_id: ClerkId,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl User {
    /// Whether the stored personal fields equal `profile`, without copying anything: the
    /// request-time check that decides whether a write is needed at all.
    pub fn has_profile(&self, profile: &Profile) -> bool {
        self.email == profile.email
            && self.first_name == profile.first_name
            && self.last_name == profile.last_name
            && self.image_url == profile.image_url
    }

    /// Whether the stored fields that `fields` names equal `profile`'s: what a change that
    /// speaks for only those fields compares.
    pub fn agrees_with(&self, profile: &Profile, fields: ProfileFields) -> bool {
        (!fields.email || self.email == profile.email)
            && (!fields.first_name || self.first_name == profile.first_name)
            && (!fields.last_name || self.last_name == profile.last_name)
            && (!fields.image_url || self.image_url == profile.image_url)
    }

    /// Copies the fields that `fields` names from `profile`.
    pub fn merge(&mut self, profile: &Profile, fields: ProfileFields) {
        if fields.email {
            self.email.clone_from(&profile.email);
        }
        if fields.first_name {
            self.first_name.clone_from(&profile.first_name);
        }
        if fields.last_name {
            self.last_name.clone_from(&profile.last_name);
        }
        if fields.image_url {
            self.image_url.clone_from(&profile.image_url);
        }
    }

    /// The name to greet the user with: first and last name when known, else the email.
    pub fn display_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.email.clone()
        } else {
            Some(parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerk_id_accepts_clerk_shaped_ids() {
        let id = ClerkId::parse("user_2NNEqL2nrIRdJ194ndJqAHwEfxC").unwrap();
        assert_eq!(id.as_str(), "user_2NNEqL2nrIRdJ194ndJqAHwEfxC");
    }

    #[test]
    fn clerk_id_rejects_other_prefixes_and_garbage() {
        assert_eq!(ClerkId::parse("sess_abc"), Err(ClerkIdError::MissingPrefix));
        assert_eq!(ClerkId::parse("USER_abc"), Err(ClerkIdError::MissingPrefix));
        assert_eq!(ClerkId::parse("user_"), Err(ClerkIdError::Empty));
        assert_eq!(
            ClerkId::parse("user_abc def"),
            Err(ClerkIdError::InvalidCharacter)
        );
        assert_eq!(
            ClerkId::parse("user_abc'--"),
            Err(ClerkIdError::InvalidCharacter)
        );
        let long = format!("user_{}", "a".repeat(ClerkId::MAX_LEN));
        assert_eq!(ClerkId::parse(&long), Err(ClerkIdError::TooLong));
    }

    #[test]
    fn clerk_id_deserialization_validates() {
        let ok: ClerkId = serde_json::from_str("\"user_abc123\"").unwrap();
        assert_eq!(ok.as_str(), "user_abc123");
        assert!(serde_json::from_str::<ClerkId>("\"org_abc123\"").is_err());
    }

    fn user(first: Option<&str>, last: Option<&str>, email: Option<&str>) -> User {
        User {
            id: UserId::from_uuid(Uuid::nil()),
            clerk_id: ClerkId::parse("user_abc").unwrap(),
            email: email.map(str::to_owned),
            first_name: first.map(str::to_owned),
            last_name: last.map(str::to_owned),
            image_url: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn display_name_prefers_names_then_email() {
        assert_eq!(
            user(Some("Ada"), Some("Lovelace"), Some("ada@example.com")).display_name(),
            Some("Ada Lovelace".into())
        );
        assert_eq!(
            user(None, Some("Lovelace"), None).display_name(),
            Some("Lovelace".into())
        );
        assert_eq!(
            user(Some("  "), None, Some("ada@example.com")).display_name(),
            Some("ada@example.com".into())
        );
        assert_eq!(user(None, None, None).display_name(), None);
    }
}
