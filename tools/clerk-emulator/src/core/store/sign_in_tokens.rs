//! Sign-in tokens: single-use tickets a backend mints for a user (`POST /v1/sign_in_tokens`)
//! and a browser redeems with the Frontend API's `ticket` strategy. The type is in `model`;
//! here are the rules that mint, redeem, revoke and forget them.

use super::error::StoreError;
use super::model::{SignInToken, SignInTokenStatus, StateData};
use crate::ids;

/// Clerk's default lifetime: 30 days.
pub(crate) const DEFAULT_SIGN_IN_TOKEN_SECS: u64 = 30 * 24 * 3600;
/// Shortest and longest lifetime accepted: a second, and a year.
pub(crate) const SIGN_IN_TOKEN_SECS_RANGE: (u64, u64) = (1, 365 * 24 * 3600);
/// Like sessions, tokens are minted freely by tests; beyond this many the used and revoked
/// ones, then the oldest, are forgotten.
const MAX_SIGN_IN_TOKENS: usize = 1000;

impl StateData {
    #[cfg(test)]
    pub(crate) fn sign_in_token(&self, id: &str) -> Result<&SignInToken, StoreError> {
        self.sign_in_tokens
            .iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::SignInTokenNotFound)
    }

    /// A pending token for an existing user, valid for `expires_in_secs`.
    pub(crate) fn create_sign_in_token(
        &mut self,
        user_id: &str,
        expires_in_secs: u64,
        now: i64,
    ) -> Result<SignInToken, StoreError> {
        self.user(user_id)?;
        let (min, max) = SIGN_IN_TOKEN_SECS_RANGE;
        if !(min..=max).contains(&expires_in_secs) {
            return Err(StoreError::Invalid {
                field: "expires_in_seconds",
                message: "must be between 1 second and 1 year (31536000)",
            });
        }
        let lifetime_ms = i64::try_from(expires_in_secs * 1000).unwrap_or(i64::MAX);
        let token = SignInToken {
            id: ids::new_id("sit"),
            user_id: user_id.to_owned(),
            token: ids::random_alphanumeric(48),
            status: SignInTokenStatus::Pending,
            expires_at: now.saturating_add(lifetime_ms),
            created_at: now,
            updated_at: now,
        };
        self.sign_in_tokens.push(token.clone());
        self.prune_sign_in_tokens(now);
        Ok(token)
    }

    /// Redeems a token once: it must be pending, unexpired and its user not deleted. Returns
    /// the user id to sign in.
    pub(crate) fn consume_sign_in_token(
        &mut self,
        token: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let found = self
            .sign_in_tokens
            .iter()
            .find(|t| t.token == token)
            .ok_or(StoreError::SignInTokenNotFound)?;
        match found.status {
            SignInTokenStatus::Accepted => return Err(StoreError::SignInTokenUsed),
            SignInTokenStatus::Revoked => return Err(StoreError::SignInTokenRevoked),
            SignInTokenStatus::Pending => {}
        }
        if now >= found.expires_at {
            return Err(StoreError::SignInTokenExpired);
        }
        let user_id = found.user_id.clone();
        self.user(&user_id)?;
        if let Some(slot) = self.sign_in_tokens.iter_mut().find(|t| t.token == token) {
            slot.status = SignInTokenStatus::Accepted;
            slot.updated_at = now;
        }
        Ok(user_id)
    }

    /// Revokes a pending token by id; a used or already revoked one cannot be revoked.
    pub(crate) fn revoke_sign_in_token(
        &mut self,
        id: &str,
        now: i64,
    ) -> Result<SignInToken, StoreError> {
        let token = self
            .sign_in_tokens
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(StoreError::SignInTokenNotFound)?;
        if token.status != SignInTokenStatus::Pending {
            return Err(StoreError::SignInTokenNotRevocable(token.status.as_str()));
        }
        token.status = SignInTokenStatus::Revoked;
        token.updated_at = now;
        Ok(token.clone())
    }

    fn prune_sign_in_tokens(&mut self, now: i64) {
        while self.sign_in_tokens.len() > MAX_SIGN_IN_TOKENS {
            let victim = self
                .sign_in_tokens
                .iter()
                .position(|t| t.status != SignInTokenStatus::Pending || t.expires_at <= now)
                .unwrap_or(0);
            self.sign_in_tokens.remove(victim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::store::SEEDS;

    fn seeded() -> StateData {
        let mut data = StateData::default();
        data.seed(1);
        data
    }

    const ADA: &str = SEEDS[0].id;

    #[test]
    fn a_sign_in_token_is_redeemed_once_for_its_user() {
        let mut data = seeded();
        let minted = data.create_sign_in_token(ADA, 60, 1_000).expect("minted");
        assert!(minted.id.starts_with("sit_2"));
        assert_eq!(minted.status, SignInTokenStatus::Pending);
        assert_eq!(minted.expires_at, 61_000);
        assert_eq!(
            data.consume_sign_in_token(&minted.token, 2_000).as_deref(),
            Ok(ADA)
        );
        assert_eq!(
            data.sign_in_token(&minted.id).expect("kept").status,
            SignInTokenStatus::Accepted
        );
        assert_eq!(
            data.consume_sign_in_token(&minted.token, 3_000),
            Err(StoreError::SignInTokenUsed)
        );
    }

    #[test]
    fn an_expired_sign_in_token_is_refused() {
        let mut data = seeded();
        let minted = data.create_sign_in_token(ADA, 60, 1_000).expect("minted");
        assert_eq!(
            data.consume_sign_in_token(&minted.token, 61_000),
            Err(StoreError::SignInTokenExpired)
        );
        // Still pending: expiry is a property of time, not a state change.
        assert_eq!(
            data.sign_in_token(&minted.id).expect("kept").status,
            SignInTokenStatus::Pending
        );
    }

    #[test]
    fn a_revoked_sign_in_token_is_refused_and_cannot_be_revoked_again() {
        let mut data = seeded();
        let minted = data.create_sign_in_token(ADA, 60, 1_000).expect("minted");
        let revoked = data
            .revoke_sign_in_token(&minted.id, 1_500)
            .expect("revoked");
        assert_eq!(revoked.status, SignInTokenStatus::Revoked);
        assert_eq!(revoked.updated_at, 1_500);
        assert_eq!(
            data.consume_sign_in_token(&minted.token, 2_000),
            Err(StoreError::SignInTokenRevoked)
        );
        assert_eq!(
            data.revoke_sign_in_token(&minted.id, 2_500),
            Err(StoreError::SignInTokenNotRevocable("revoked"))
        );
        assert_eq!(
            data.revoke_sign_in_token("sit_unknown", 2_500),
            Err(StoreError::SignInTokenNotFound)
        );
    }

    #[test]
    fn a_sign_in_token_of_a_deleted_user_is_refused() {
        let mut data = seeded();
        let minted = data.create_sign_in_token(ADA, 60, 1_000).expect("minted");
        data.delete_user(ADA, 1_500).expect("deleted");
        assert_eq!(
            data.consume_sign_in_token(&minted.token, 2_000),
            Err(StoreError::UserDeleted(ADA.into()))
        );
        assert_eq!(
            data.create_sign_in_token(ADA, 60, 2_000).err(),
            Some(StoreError::UserDeleted(ADA.into()))
        );
    }

    #[test]
    fn unknown_tokens_users_and_lifetimes_are_refused() {
        let mut data = seeded();
        assert_eq!(
            data.consume_sign_in_token("nope", 1),
            Err(StoreError::SignInTokenNotFound)
        );
        assert_eq!(
            data.create_sign_in_token("user_nobody", 60, 1).err(),
            Some(StoreError::UserNotFound("user_nobody".into()))
        );
        for secs in [0, SIGN_IN_TOKEN_SECS_RANGE.1 + 1] {
            assert!(matches!(
                data.create_sign_in_token(ADA, secs, 1),
                Err(StoreError::Invalid {
                    field: "expires_in_seconds",
                    ..
                })
            ));
        }
    }

    #[test]
    fn sign_in_tokens_are_bounded_and_used_ones_go_first() {
        let mut data = seeded();
        let first = data.create_sign_in_token(ADA, 60, 1).expect("first");
        let used = data.create_sign_in_token(ADA, 60, 1).expect("used");
        data.consume_sign_in_token(&used.token, 2)
            .expect("consumed");
        // One more than fits: the used one makes room.
        for _ in 0..(MAX_SIGN_IN_TOKENS - 1) {
            data.create_sign_in_token(ADA, 60, 3).expect("token");
        }
        assert_eq!(data.sign_in_tokens.len(), MAX_SIGN_IN_TOKENS);
        assert!(data.sign_in_token(&used.id).is_err(), "the used one went");
        assert!(
            data.sign_in_token(&first.id).is_ok(),
            "the pending one stayed"
        );
    }

    #[test]
    fn the_json_is_clerks_sign_in_token_and_debug_hides_the_secret() {
        let mut data = seeded();
        let minted = data.create_sign_in_token(ADA, 60, 1_000).expect("minted");
        let json = minted.clerk_json("http://127.0.0.1:3000/__clerk");
        assert_eq!(json["object"], "sign_in_token");
        assert_eq!(json["status"], "pending");
        assert_eq!(json["user_id"], ADA);
        assert_eq!(json["token"], minted.token.as_str());
        assert_eq!(
            json["url"],
            format!(
                "http://127.0.0.1:3000/__clerk/sign-in?__clerk_ticket={}",
                minted.token
            )
        );
        assert!(!format!("{minted:?}").contains(&minted.token));
    }
}
