//! The local user as the API shows it.

use populatte::User;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rfc3339;

/// `GET /api/me` and the `current_user` server function: the local user, from Postgres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The local id (the primary key of `users`), never Clerk's.
    pub id: Uuid,
    pub clerk_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
    /// First and last name, else the email.
    pub display_name: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<&User> for UserProfile {
    fn from(user: &User) -> Self {
        Self {
            id: *user.id.as_uuid(),
            clerk_id: user.clerk_id.as_str().to_owned(),
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            image_url: user.image_url.clone(),
            display_name: user.display_name(),
            created_at: rfc3339(user.created_at),
            updated_at: rfc3339(user.updated_at),
        }
    }
}

impl UserProfile {
    /// "Member since" as a calendar date (`2026-11-26`), from `created_at`.
    pub fn member_since(&self) -> &str {
        self.created_at.get(..10).unwrap_or(&self.created_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use populatte::{ClerkId, UserId};
    use time::macros::datetime;

    fn user() -> User {
        User {
            id: UserId::from_uuid(Uuid::from_u128(7)),
            clerk_id: ClerkId::parse("user_abc").unwrap(),
            email: Some("ada@example.com".into()),
            first_name: Some("ada".into()),
            last_name: Some("Lovelace".into()),
            image_url: None,
            created_at: datetime!(2026-11-26 10:00 UTC),
            updated_at: datetime!(2026-11-26 11:00 UTC),
        }
    }

    #[test]
    fn profile_carries_the_local_id_and_dates() {
        let profile = UserProfile::from(&user());
        assert_eq!(profile.id, Uuid::from_u128(7));
        assert_eq!(profile.created_at, "2026-11-26T10:00:00Z");
        assert_eq!(profile.member_since(), "2026-11-26");
        assert_eq!(profile.display_name.as_deref(), Some("ada Lovelace"));
    }
}
