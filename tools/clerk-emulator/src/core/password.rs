//! Users' passwords: Clerk's rules for choosing one, and the salted hash the state file keeps
//! instead of the password itself.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Clerk's minimum password length, in characters.
pub(crate) const MIN_PASSWORD_CHARS: usize = 8;
/// Clerk's maximum: 72 characters, and no more than 72 bytes (bcrypt's limit).
pub(crate) const MAX_PASSWORD_CHARS: usize = 72;
pub(crate) const MAX_PASSWORD_BYTES: usize = 72;

/// A few of the passwords most often found in breaches. Clerk checks every new password
/// against HaveIBeenPwned; offline, the emulator knows only these, enough to see the error.
const BREACHED: [&str; 10] = [
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "iloveyou",
    "11111111",
    "abc12345",
];

/// Why a password was refused, in Clerk's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    #[error("Passwords must be {MIN_PASSWORD_CHARS} characters or more.")]
    TooShort,
    #[error("Passwords must be less than {MAX_PASSWORD_CHARS} characters.")]
    TooLong,
    #[error("Passwords must be no more than {MAX_PASSWORD_BYTES} bytes.")]
    TooManyBytes,
    #[error(
        "Password has been found in an online data breach. For account safety, please use a \
         different password."
    )]
    Breached,
}

impl PasswordRule {
    /// Clerk's error code for this refusal.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "form_password_length_too_short",
            Self::TooLong => "form_password_length_too_long",
            Self::TooManyBytes => "form_password_size_in_bytes_exceeded",
            Self::Breached => "form_password_pwned",
        }
    }
}

/// Checks a new password. `skip_checks` is Clerk's `skip_password_checks` (meant for
/// importing users): it skips the breach check; the length limits always hold.
pub(crate) fn check_password(password: &str, skip_checks: bool) -> Result<(), PasswordRule> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordRule::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordRule::TooLong);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordRule::TooManyBytes);
    }
    if !skip_checks && BREACHED.iter().any(|b| b.eq_ignore_ascii_case(password)) {
        return Err(PasswordRule::Breached);
    }
    Ok(())
}

/// SHA-256 over a per-user random salt and the password. Not a slow password hash: the
/// emulator holds throwaway development passwords, and sign-in must stay fast in tests; the
/// salt keeps equal passwords from looking equal in the state file.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct PasswordHash {
    /// Base64 of 16 random bytes.
    salt: String,
    /// Base64 of SHA-256(salt || password).
    sha256: String,
}

impl PasswordHash {
    pub(crate) fn new(password: &str) -> Self {
        let salt: [u8; 16] = rand::random();
        Self {
            salt: STANDARD_NO_PAD.encode(salt),
            sha256: STANDARD_NO_PAD.encode(digest(&salt, password)),
        }
    }

    /// Constant-time, so response times do not tell how much of a guess was right.
    pub(crate) fn matches(&self, password: &str) -> bool {
        let (Ok(salt), Ok(expected)) = (
            STANDARD_NO_PAD.decode(&self.salt),
            STANDARD_NO_PAD.decode(&self.sha256),
        ) else {
            return false;
        };
        digest(&salt, password).as_slice().ct_eq(&expected).into()
    }
}

/// Never shows the hash, so a logged `User` tells nothing about its password.
impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

fn digest(salt: &[u8], password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(password.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_its_password_only() {
        let hash = PasswordHash::new("ada-lovelace-1815");
        assert!(hash.matches("ada-lovelace-1815"));
        assert!(!hash.matches("ada-lovelace-1816"));
        assert!(!hash.matches(""));
    }

    #[test]
    fn equal_passwords_get_different_salts() {
        let a = PasswordHash::new("same-password");
        let b = PasswordHash::new("same-password");
        assert_ne!(a, b);
        assert!(a.matches("same-password") && b.matches("same-password"));
    }

    #[test]
    fn the_hash_never_holds_or_shows_the_password() {
        let hash = PasswordHash::new("grace-hopper-1906");
        let stored = serde_json::to_string(&hash).expect("json");
        assert!(!stored.contains("grace-hopper-1906"), "{stored}");
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
    }

    #[test]
    fn a_damaged_hash_matches_nothing() {
        let hash: PasswordHash =
            serde_json::from_str(r#"{"salt":"!!","sha256":"AAAA"}"#).expect("json");
        assert!(!hash.matches("anything-at-all"));
    }

    #[test]
    fn password_rules_follow_clerks() {
        assert_eq!(
            check_password("seven77", false),
            Err(PasswordRule::TooShort)
        );
        assert_eq!(check_password("eight888", false), Ok(()));
        assert_eq!(
            check_password(&"x".repeat(73), false),
            Err(PasswordRule::TooLong)
        );
        // 40 characters, 80 bytes.
        assert_eq!(
            check_password(&"é".repeat(40), false),
            Err(PasswordRule::TooManyBytes)
        );
        assert_eq!(
            check_password("Password1", false),
            Err(PasswordRule::Breached)
        );
        assert_eq!(PasswordRule::Breached.code(), "form_password_pwned");
    }

    #[test]
    fn skipping_checks_skips_the_breach_check_but_not_the_length() {
        assert_eq!(check_password("password1", true), Ok(()));
        assert_eq!(check_password("short", true), Err(PasswordRule::TooShort));
    }
}
