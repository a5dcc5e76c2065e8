//! The personal fields Clerk owns and Populatte mirrors.

use serde::{Deserialize, Serialize};

/// Email, names and image of a user, as Clerk last told us. Empty strings mean "not set":
/// Clerk's session-token templates render a missing value as `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Profile {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub image_url: Option<String>,
}

impl Profile {
    pub fn new(
        email: Option<String>,
        first_name: Option<String>,
        last_name: Option<String>,
        image_url: Option<String>,
    ) -> Self {
        Self {
            email: clean(email),
            first_name: clean(first_name),
            last_name: clean(last_name),
            image_url: clean(image_url),
        }
    }
}

/// Which profile fields a change speaks for. Webhooks and Clerk's Backend API speak for all
/// of them; a session-token template may carry only some (say just `email`), and the fields
/// it does not carry say nothing: they must neither erase nor outdate what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileFields {
    pub email: bool,
    pub first_name: bool,
    pub last_name: bool,
    pub image_url: bool,
}

impl ProfileFields {
    pub const ALL: Self = Self {
        email: true,
        first_name: true,
        last_name: true,
        image_url: true,
    };

    pub const NONE: Self = Self {
        email: false,
        first_name: false,
        last_name: false,
        image_url: false,
    };

    pub fn is_all(self) -> bool {
        self == Self::ALL
    }

    pub fn is_none(self) -> bool {
        self == Self::NONE
    }
}

fn clean(value: Option<String>) -> Option<String> {
    let value = value?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == value.len() {
        Some(value)
    } else {
        Some(trimmed.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_count_as_missing_and_values_are_trimmed() {
        let profile = Profile::new(
            Some(" ada@example.com ".into()),
            Some("".into()),
            Some("   ".into()),
            None,
        );
        assert_eq!(profile.email.as_deref(), Some("ada@example.com"));
        assert_eq!(profile.first_name, None);
        assert_eq!(profile.last_name, None);
        assert_eq!(profile.image_url, None);
    }
}
