//! Passwords and sign-in tokens. Passwords are kept only as salted SHA-256 hashes, compared
//! in constant time; sign-in tokens (Clerk's `ticket` strategy) are single-use and expire.
//! Enough for an emulator whose every user is a test user, and nothing a real system should
//! copy (it would use a slow password hash).

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{StateData, StoreError};
use crate::ids;

/// Clerk's bounds for passwords.
pub const PASSWORD_LENGTH: (usize, usize) = (8, 72);
/// Sign-in tokens kept at once; the oldest used or expired ones go first.
const MAX_SIGN_IN_TOKENS: usize = 1000;

pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let length = password.chars().count();
    if length < PASSWORD_LENGTH.0 {
        return Err(StoreError::Invalid {
            field: "password",
            message: "Passwords must be 8 characters or more.",
        });
    }
    if length > PASSWORD_LENGTH.1 {
        return Err(StoreError::Invalid {
            field: "password",
            message: "Passwords must be at most 72 characters.",
        });
    }
    let salt = ids::random_alphanumeric(16);
    Ok(format!("{salt}${}", digest(&salt, password)))
}

fn digest(salt: &str, password: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0]);
    hasher.update(password.as_bytes());
    STANDARD_NO_PAD.encode(hasher.finalize())
}

fn matches(stored: &str, password: &str) -> bool {
    let Some((salt, expected)) = stored.split_once('$') else {
        return false;
    };
    let actual = digest(salt, password);
    actual.len() == expected.len()
        && actual
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignInTokenStatus {
    Pending,
    Accepted,
    Revoked,
}

impl SignInTokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
        }
    }
}

/// A sign-in token, as the Backend API's `POST /v1/sign_in_tokens` makes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignInToken {
    pub id: String,
    pub user_id: String,
    pub token: String,
    pub status: SignInTokenStatus,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
}

impl StateData {
    /// Whether `password` is the user's. A user without a password has none to match.
    pub fn verify_password(&self, user_id: &str, password: &str) -> Result<(), StoreError> {
        let user = self.user(user_id)?;
        match &user.password_hash {
            Some(stored) if matches(stored, password) => Ok(()),
            _ => Err(StoreError::Invalid {
                field: "password",
                message: "Password is incorrect.",
            }),
        }
    }

    pub fn create_sign_in_token(
        &mut self,
        user_id: &str,
        expires_in_secs: u64,
        now: i64,
    ) -> Result<SignInToken, StoreError> {
        self.user(user_id)?;
        let lifetime_ms = i64::try_from(expires_in_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let token = SignInToken {
            id: ids::new_id("sit"),
            user_id: user_id.to_owned(),
            token: ids::random_alphanumeric(48),
            status: SignInTokenStatus::Pending,
            created_at: now,
            updated_at: now,
            expires_at: now.saturating_add(lifetime_ms),
        };
        self.sign_in_tokens.push(token.clone());
        while self.sign_in_tokens.len() > MAX_SIGN_IN_TOKENS {
            let victim = self
                .sign_in_tokens
                .iter()
                .position(|t| t.status != SignInTokenStatus::Pending || t.expires_at <= now)
                .unwrap_or(0);
            self.sign_in_tokens.remove(victim);
        }
        Ok(token)
    }

    /// Uses up a pending, unexpired token of a user who still exists; answers the user id.
    pub fn consume_sign_in_token(&mut self, token: &str, now: i64) -> Result<String, StoreError> {
        let invalid = StoreError::Invalid {
            field: "ticket",
            message: "The sign-in token is invalid, expired or already used.",
        };
        let slot = self
            .sign_in_tokens
            .iter()
            .position(|t| {
                t.token == token && t.status == SignInTokenStatus::Pending && now < t.expires_at
            })
            .ok_or(invalid)?;
        let user_id = self.sign_in_tokens[slot].user_id.clone();
        self.user(&user_id)?;
        let entry = &mut self.sign_in_tokens[slot];
        entry.status = SignInTokenStatus::Accepted;
        entry.updated_at = now;
        Ok(user_id)
    }

    pub fn revoke_sign_in_token(&mut self, id: &str, now: i64) -> Result<SignInToken, StoreError> {
        let entry = self
            .sign_in_tokens
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| StoreError::SignInTokenNotFound(id.to_owned()))?;
        if entry.status == SignInTokenStatus::Pending {
            entry.status = SignInTokenStatus::Revoked;
            entry.updated_at = now;
        }
        Ok(entry.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewUser;

    fn with_user(password: Option<&str>) -> (StateData, String) {
        let mut data = StateData::default();
        let event = data
            .create_user(
                NewUser {
                    email_address: "ada@example.com".into(),
                    password: password.map(Into::into),
                    ..NewUser::default()
                },
                1,
            )
            .expect("created");
        let crate::store::UserEvent::Created(user) = event else {
            panic!("not created")
        };
        (data, user.id)
    }

    #[test]
    fn a_password_is_kept_only_as_a_salted_hash_and_verified() {
        let (data, id) = with_user(Some("correct horse"));
        let stored = data
            .user(&id)
            .expect("user")
            .password_hash
            .clone()
            .expect("hash");
        assert!(!stored.contains("correct horse"));
        assert!(data.verify_password(&id, "correct horse").is_ok());
        assert!(data.verify_password(&id, "correct horsE").is_err());
        assert!(data.verify_password(&id, "").is_err());
        // The same password twice gives two hashes (the salt).
        assert_ne!(
            hash_password("correct horse").ok(),
            hash_password("correct horse").ok()
        );
    }

    #[test]
    fn a_user_without_a_password_matches_none() {
        let (data, id) = with_user(None);
        assert!(data.verify_password(&id, "anything at all").is_err());
    }

    #[test]
    fn short_and_long_passwords_are_refused_with_clerks_bounds() {
        assert!(hash_password("1234567").is_err());
        assert!(hash_password("12345678").is_ok());
        assert!(hash_password(&"x".repeat(73)).is_err());
    }

    #[test]
    fn a_sign_in_token_works_once_and_not_after_it_expires_or_is_revoked() {
        let (mut data, id) = with_user(None);
        let token = data.create_sign_in_token(&id, 60, 1_000).expect("token");
        assert_eq!(
            data.consume_sign_in_token(&token.token, 2_000),
            Ok(id.clone())
        );
        assert!(data.consume_sign_in_token(&token.token, 2_001).is_err());

        let late = data.create_sign_in_token(&id, 60, 1_000).expect("token");
        assert!(data.consume_sign_in_token(&late.token, 61_000).is_err());

        let revoked = data.create_sign_in_token(&id, 60, 1_000).expect("token");
        data.revoke_sign_in_token(&revoked.id, 1_500)
            .expect("revoked");
        assert!(data.consume_sign_in_token(&revoked.token, 2_000).is_err());
    }

    #[test]
    fn a_deleted_users_sign_in_token_is_refused() {
        let (mut data, id) = with_user(None);
        let token = data.create_sign_in_token(&id, 60, 1_000).expect("token");
        data.delete_user(&id, 1_100).expect("deleted");
        assert!(data.consume_sign_in_token(&token.token, 1_200).is_err());
    }
}
