//! Clerk's user object, as the Backend API returns it and webhooks carry it.

use populatte::{ClerkId, Profile};
use serde::Deserialize;
use time::OffsetDateTime;

/// The fields of Clerk's user object that Populatte mirrors. Everything else is ignored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ClerkUser {
    pub(crate) id: ClerkId,
    #[serde(default)]
    pub(crate) email_addresses: Vec<EmailAddress>,
    /// Null for phone-only users.
    #[serde(default)]
    pub(crate) primary_email_address_id: Option<String>,
    #[serde(default)]
    pub(crate) first_name: Option<String>,
    #[serde(default)]
    pub(crate) last_name: Option<String>,
    #[serde(default)]
    pub(crate) image_url: Option<String>,
    /// Milliseconds since the epoch.
    pub(crate) updated_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EmailAddress {
    pub(crate) id: String,
    pub(crate) email_address: String,
}

impl ClerkUser {
    /// The primary email, looked up by `primary_email_address_id` (not simply the first one).
    pub(crate) fn primary_email(&self) -> Option<&str> {
        let primary = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == primary)
            .map(|e| e.email_address.as_str())
    }

    pub(crate) fn profile(&self) -> Profile {
        Profile::new(
            self.primary_email().map(str::to_owned),
            self.first_name.clone(),
            self.last_name.clone(),
            self.image_url.clone(),
        )
    }

    pub(crate) fn updated_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.updated_at?) * 1_000_000).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: serde_json::Value) -> ClerkUser {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_primary_email_is_found_by_id_not_position() {
        let user = parse(serde_json::json!({
            "id": "user_ada",
            "email_addresses": [
                {"id": "idn_old", "email_address": "old@example.com"},
                {"id": "idn_main", "email_address": "ada@example.com"}
            ],
            "primary_email_address_id": "idn_main",
            "first_name": "Ada",
            "last_name": null,
            "image_url": "https://img.example.com/ada.png",
            "updated_at": 1_764_158_400_123_i64
        }));
        let profile = user.profile();
        assert_eq!(profile.email.as_deref(), Some("ada@example.com"));
        assert_eq!(profile.first_name.as_deref(), Some("Ada"));
        assert_eq!(profile.last_name, None);
        assert_eq!(
            user.updated_at().unwrap().unix_timestamp_nanos(),
            1_764_158_400_123_000_000
        );
    }

    #[test]
    fn a_phone_only_user_has_no_email() {
        let user = parse(serde_json::json!({
            "id": "user_phone", "email_addresses": [], "primary_email_address_id": null
        }));
        assert_eq!(user.profile().email, None);
    }

    #[test]
    fn a_malformed_id_is_refused() {
        assert!(serde_json::from_value::<ClerkUser>(serde_json::json!({"id": "org_1"})).is_err());
    }
}
