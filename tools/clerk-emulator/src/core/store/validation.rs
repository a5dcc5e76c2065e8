//! Clerk's rules for the fields people give: email addresses, names, image URLs, passwords.

use super::error::StoreError;
use crate::core::password::{PasswordHash, check_password};

pub(super) fn hash_new_password(
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

pub(crate) fn validate_email(raw: &str) -> Result<String, &'static str> {
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
pub(crate) fn validate_name(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) if name.chars().count() > 100 => Err("Use at most 100 characters."),
        Some(name) => Ok(Some(name.to_owned())),
    }
}

pub(super) fn validate_image_url(raw: Option<&str>) -> Result<Option<String>, StoreError> {
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
