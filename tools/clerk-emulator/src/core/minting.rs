//! Tokens: session and template tokens for a user, the handshake payload, and key rotation.

use std::time::Duration;

use super::Emulator;
use super::keys::{self, Rotation, SigningKey};
use super::locks::lock;
use super::store::{SessionStatus, Template, User};
use super::tokens::{self, Kind, Mint, Minted, TokenOptions};
use crate::{EmulatorError, now_millis};

impl Emulator {
    /// The handshake payload for `directives`, signed with the current key at emulator time.
    pub(crate) fn sign_handshake(&self, directives: &[String]) -> Result<String, EmulatorError> {
        let now = now_millis() / 1000 + self.settings().clock_offset_secs;
        tokens::handshake(
            &self.inner.keys.current(),
            &self.inner.base,
            now,
            directives,
        )
    }

    /// Mints for a user: a session token (in the given session, or a new one) or a template
    /// token. Returns the token and the session it belongs to.
    pub(crate) async fn mint_token(
        &self,
        user_id: &str,
        options: TokenOptions,
    ) -> Result<(Minted, Option<String>), EmulatorError> {
        let session_id = match (&options.template, &options.session_id) {
            (_, Some(sid)) => Some(sid.clone()),
            (Some(_), None) => None,
            (None, None) => {
                let user_id = user_id.to_owned();
                let session = self
                    .mutate::<_, EmulatorError>(move |data, now| {
                        Ok((data.create_session(&user_id, None, now)?, Vec::new()))
                    })
                    .await?;
                Some(session.id)
            }
        };
        let minted = self.mint_checked(user_id, session_id.as_deref(), &options)?;
        Ok((minted, session_id))
    }

    /// Mints after checking, under one lock, that the user exists and the session (if any)
    /// is the user's and active.
    pub(crate) fn mint_checked(
        &self,
        user_id: &str,
        session_id: Option<&str>,
        options: &TokenOptions,
    ) -> Result<Minted, EmulatorError> {
        let (user, template) = {
            let state = lock(&self.inner.state);
            let user: User = state.data.user(user_id)?.clone();
            if let Some(sid) = session_id {
                let session = state.data.session(sid)?;
                if session.user_id != user_id {
                    return Err(EmulatorError::SessionUserMismatch {
                        session: sid.to_owned(),
                        user: user_id.to_owned(),
                    });
                }
                let status = session.status_at(now_millis());
                if status != SessionStatus::Active {
                    return Err(EmulatorError::SessionInactive {
                        id: sid.to_owned(),
                        status: status.as_str().to_owned(),
                    });
                }
            }
            let template: Option<Template> = options
                .template
                .as_ref()
                .and_then(|name| state.data.templates.get(name).cloned());
            (user, template)
        };
        let settings = self.settings();
        let lifetime = options
            .lifetime
            .or_else(|| {
                template
                    .as_ref()
                    .and_then(|t| t.lifetime_secs)
                    .map(Duration::from_secs)
            })
            .unwrap_or(Duration::from_secs(settings.token_lifetime_secs));
        let kind = match (&options.template, session_id) {
            (Some(_), _) => Kind::Template {
                template: template.as_ref(),
            },
            (None, Some(session_id)) => Kind::Session {
                session_id,
                custom_claims: !options
                    .omit_custom_claims
                    .unwrap_or(settings.omit_custom_claims),
            },
            (None, None) => {
                return Err(EmulatorError::Config(
                    "a session token needs a session".into(),
                ));
            }
        };
        let key = self.inner.keys.current();
        tokens::mint(
            &key,
            &Mint {
                user: &user,
                base: &self.inner.image_base,
                issuer: &self.inner.base,
                now: now_millis() / 1000 + settings.clock_offset_secs,
                lifetime,
                expired: options.expired,
                azp: options.azp.as_deref(),
                kind,
            },
        )
    }

    pub(crate) async fn rotate_key(
        &self,
        next: Option<String>,
        grace: Duration,
    ) -> Result<Rotation, EmulatorError> {
        let key_file = self.inner.key_file.clone();
        let key = tokio::task::spawn_blocking(move || -> Result<SigningKey, EmulatorError> {
            let key = match next {
                // A bad key from the caller is bad input, not an emulator failure.
                Some(pem) => {
                    SigningKey::from_pem(&pem).map_err(|e| EmulatorError::Config(e.to_string()))?
                }
                None => SigningKey::generate(keys::DEFAULT_KEY_BITS)?,
            };
            // The new key is the one to keep across restarts.
            if let Some(path) = key_file {
                keys::write_private_key(&path, &key)?;
            }
            Ok(key)
        })
        .await
        .map_err(|e| EmulatorError::Task(e.to_string()))??;
        Ok(self.inner.keys.rotate(key, grace))
    }
}
