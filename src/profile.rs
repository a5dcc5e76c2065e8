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
