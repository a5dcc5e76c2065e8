//! Who is signed in, as the page shows it: plain data, the same on the server and in the browser.

use populatte::User;
use serde::{Deserialize, Serialize};

use crate::api::UserProfile;

/// The person as Clerk (or, for the first paint, the server) knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    /// Clerk's user id (`user_…`), not the local one.
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub image_url: Option<String>,
}

impl SignedInUser {
    /// The full name, else first and last name, else the email.
    pub fn display_name(&self) -> Option<String> {
        let non_empty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        non_empty(&self.full_name)
            .or_else(|| {
                let parts: Vec<String> = [&self.first_name, &self.last_name]
                    .into_iter()
                    .filter_map(non_empty)
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
            .or_else(|| non_empty(&self.email))
    }
}

/// The server's local user, for the first paint of a signed-in request: as `/api/me` shows it,
/// so that both ways to the page agree on every field.
impl From<&User> for SignedInUser {
    fn from(user: &User) -> Self {
        Self::from(&UserProfile::from(user))
    }
}

impl From<&UserProfile> for SignedInUser {
    fn from(profile: &UserProfile) -> Self {
        let has_name = profile.first_name.is_some() || profile.last_name.is_some();
        Self {
            id: profile.clerk_id.clone(),
            email: profile.email.clone(),
            first_name: profile.first_name.clone(),
            last_name: profile.last_name.clone(),
            full_name: profile.display_name.clone().filter(|_| has_name),
            image_url: profile.image_url.clone(),
        }
    }
}

/// `Loading` until someone knows: the server for the first paint, then clerk-js.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AuthState {
    #[default]
    Loading,
    SignedOut,
    SignedIn(SignedInUser),
}

impl AuthState {
    pub fn user(&self) -> Option<&SignedInUser> {
        match self {
            Self::SignedIn(user) => Some(user),
            Self::Loading | Self::SignedOut => None,
        }
    }

    pub fn is_signed_in(&self) -> bool {
        matches!(self, Self::SignedIn(_))
    }

    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(full: Option<&str>, first: Option<&str>, email: Option<&str>) -> SignedInUser {
        SignedInUser {
            id: "user_1".into(),
            email: email.map(Into::into),
            first_name: first.map(Into::into),
            last_name: None,
            full_name: full.map(Into::into),
            image_url: None,
        }
    }

    #[test]
    fn the_display_name_prefers_the_full_name_then_names_then_email() {
        assert_eq!(
            user(Some("Ada L"), Some("Ada"), Some("a@x"))
                .display_name()
                .as_deref(),
            Some("Ada L")
        );
        assert_eq!(
            user(None, Some("Ada"), Some("a@x"))
                .display_name()
                .as_deref(),
            Some("Ada")
        );
        assert_eq!(
            user(Some(" "), None, Some("a@x")).display_name().as_deref(),
            Some("a@x")
        );
        assert_eq!(user(None, None, None).display_name(), None);
    }

    #[test]
    fn the_state_survives_the_trip_to_the_browser() {
        let state = AuthState::SignedIn(user(None, Some("Ada"), None));
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<AuthState>(&json).unwrap(), state);
    }
}
