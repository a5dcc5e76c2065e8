//! Clerk-shaped JWTs: session tokens (version 2 claims) and JWT-template tokens.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value, json};

use crate::EmulatorError;
use crate::core::keys::SigningKey;
use crate::core::store::{Template, User};
use crate::ids;

/// The `cat` header Clerk puts on session tokens.
pub const SESSION_TOKEN_CATEGORY: &str = "cl_B7d4PD111AAA";
/// The `cat` header Clerk puts on JWT-template tokens.
pub const TEMPLATE_TOKEN_CATEGORY: &str = "cl_B7d4PD222AAA";

/// How long before "now" an expired token's `exp` lies: far beyond any verifier's clock skew.
const EXPIRED_BY_SECS: i64 = 60;

/// Options for [`crate::Emulator::mint_session_token`].
#[derive(Debug, Clone, Default)]
pub struct TokenOptions {
    /// Mint a JWT-template token (no `sid`, template `cat`) instead of a session token.
    pub template: Option<String>,
    /// Mint a token whose `exp` is already 60 s in the past.
    pub expired: bool,
    /// Overrides the emulator's (or the template's) lifetime.
    pub lifetime: Option<Duration>,
    /// `Some(true)`: leave the custom claims out; `Some(false)`: put them in; `None`: follow
    /// the emulator's omit-custom-claims setting.
    pub omit_custom_claims: Option<bool>,
    /// The `azp` claim (the origin that asked for the token); absent when None.
    pub azp: Option<String>,
    /// Use this (active) session of the user rather than starting a new one.
    pub session_id: Option<String>,
}

/// What to put in a token, already resolved against the emulator's settings.
pub(crate) struct Mint<'a> {
    pub user: &'a User,
    pub base: &'a str,
    pub issuer: &'a str,
    /// Emulator time (real time plus the clock offset), in seconds.
    pub now: i64,
    pub lifetime: Duration,
    pub expired: bool,
    pub azp: Option<&'a str>,
    pub kind: Kind<'a>,
}

pub(crate) enum Kind<'a> {
    Session {
        session_id: &'a str,
        custom_claims: bool,
    },
    Template {
        template: Option<&'a Template>,
    },
}

/// A signed token and the times in it.
#[derive(Debug, Clone)]
pub(crate) struct Minted {
    pub jwt: String,
    pub kid: String,
    pub iat: i64,
    pub exp: i64,
}

pub(crate) fn mint(key: &SigningKey, mint: &Mint<'_>) -> Result<Minted, EmulatorError> {
    let lifetime = i64::try_from(mint.lifetime.as_secs()).unwrap_or(i64::MAX / 4);
    let (iat, exp) = if mint.expired {
        let exp = mint.now - EXPIRED_BY_SECS;
        (exp - lifetime, exp)
    } else {
        (mint.now, mint.now.saturating_add(lifetime))
    };
    let mut claims = Map::new();
    let category = match &mint.kind {
        Kind::Session {
            session_id,
            custom_claims,
        } => {
            claims.insert("sid".into(), json!(session_id));
            claims.insert("sts".into(), json!("active"));
            claims.insert("v".into(), json!(2));
            claims.insert("fva".into(), json!([0, -1]));
            if *custom_claims {
                claims.insert("email".into(), json!(mint.user.email_address));
                claims.insert("firstName".into(), json!(mint.user.first_name));
                claims.insert("lastName".into(), json!(mint.user.last_name));
                claims.insert("imageUrl".into(), json!(mint.user.image_url(mint.base)));
            }
            SESSION_TOKEN_CATEGORY
        }
        Kind::Template { template } => {
            if let Some(template) = template {
                for (name, value) in &template.claims {
                    claims.insert(name.clone(), expand(value, mint.user, mint.base));
                }
            }
            TEMPLATE_TOKEN_CATEGORY
        }
    };
    // Registered claims last: a template cannot override who the token is for or when it
    // expires, as in Clerk, nor pass for a session token by naming a session.
    if matches!(mint.kind, Kind::Template { .. }) {
        claims.remove("sid");
    }
    claims.insert("sub".into(), json!(mint.user.id));
    claims.insert("iss".into(), json!(mint.issuer));
    claims.insert("iat".into(), json!(iat));
    claims.insert("nbf".into(), json!(iat - 10));
    claims.insert("exp".into(), json!(exp));
    claims.insert("jti".into(), json!(ids::random_alphanumeric(20)));
    match mint.azp {
        Some(azp) => claims.insert("azp".into(), json!(azp)),
        None => claims.remove("azp"),
    };
    Ok(Minted {
        jwt: sign(key, category, claims)?,
        kid: key.kid.clone(),
        iat,
        exp,
    })
}

/// How long a handshake payload is good for: one redirect, with room for a slow network.
pub(crate) const HANDSHAKE_LIFETIME_SECS: i64 = 60;

/// Clerk's handshake payload: a JWT signed by the instance key (session-token category, as
/// Clerk mints it) whose `handshake` claim lists `Set-Cookie` values for the app to apply.
pub(crate) fn handshake(
    key: &SigningKey,
    issuer: &str,
    now: i64,
    directives: &[String],
) -> Result<String, EmulatorError> {
    let mut claims = Map::new();
    claims.insert("handshake".into(), json!(directives));
    claims.insert("iss".into(), json!(issuer));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + HANDSHAKE_LIFETIME_SECS));
    sign(key, SESSION_TOKEN_CATEGORY, claims)
}

fn sign(
    key: &SigningKey,
    category: &str,
    claims: Map<String, Value>,
) -> Result<String, EmulatorError> {
    // jsonwebtoken's `Header` has no room for Clerk's `cat`, so the header is written here
    // and only the signature comes from jsonwebtoken.
    let header = json!({ "alg": "RS256", "cat": category, "kid": key.kid, "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string())
    );
    let signature =
        jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key.encoding, Algorithm::RS256)
            .map_err(|e| EmulatorError::Sign(e.to_string()))?;
    Ok(format!("{signing_input}.{signature}"))
}

/// Replaces Clerk's `{{user.…}}` shortcodes. A string that is exactly one shortcode becomes
/// the value itself (so a missing last name is `null`, as in Clerk); shortcodes inside longer
/// strings are replaced by their text.
fn expand(value: &Value, user: &User, base: &str) -> Value {
    match value {
        Value::String(text) => {
            if let Some(name) = text
                .trim()
                .strip_prefix("{{")
                .and_then(|t| t.strip_suffix("}}"))
                .filter(|name| !name.contains("{{"))
            {
                return shortcode(name.trim(), user, base).unwrap_or_else(|| value.clone());
            }
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("{{") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                match after.find("}}") {
                    Some(end) => {
                        match shortcode(after[..end].trim(), user, base) {
                            Some(Value::String(s)) => out.push_str(&s),
                            Some(Value::Null) => {}
                            Some(other) => out.push_str(&other.to_string()),
                            None => out.push_str(&rest[start..start + 2 + end + 2]),
                        }
                        rest = &after[end + 2..];
                    }
                    None => {
                        out.push_str(&rest[start..]);
                        rest = "";
                    }
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| expand(v, user, base)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), expand(v, user, base)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn shortcode(name: &str, user: &User, base: &str) -> Option<Value> {
    Some(match name {
        "user.id" => json!(user.id),
        "user.primary_email_address" => json!(user.email_address),
        "user.first_name" => json!(user.first_name),
        "user.last_name" => json!(user.last_name),
        "user.full_name" => json!(user.full_name()),
        "user.image_url" | "user.profile_image_url" => json!(user.image_url(base)),
        "user.has_image" => json!(user.image_url.is_some()),
        "user.created_at" => json!(user.created_at / 1000),
        "user.updated_at" => json!(user.updated_at / 1000),
        "user.email_verified" => json!(true),
        "user.public_metadata" | "user.unsafe_metadata" => json!({}),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        User {
            id: "user_1".into(),
            email_address_id: "idn_1".into(),
            email_address: "ada@example.com".into(),
            first_name: Some("Ada".into()),
            last_name: None,
            image_url: None,
            password: None,
            created_at: 5000,
            updated_at: 6000,
        }
    }

    #[test]
    fn shortcodes_expand_to_values_or_text() {
        let claims = json!({
            "email": "{{user.primary_email_address}}",
            "last": "{{ user.last_name }}",
            "greeting": "Hello {{user.first_name}} {{user.last_name}}!",
            "nested": ["{{user.id}}", {"img": "{{user.image_url}}"}],
            "unknown": "{{user.shoe_size}}",
            "plain": 7,
        });
        let out = expand(&claims, &ada(), "http://e");
        assert_eq!(
            out,
            json!({
                "email": "ada@example.com",
                "last": null,
                "greeting": "Hello Ada !",
                "nested": ["user_1", {"img": "http://e/avatars/user_1.svg"}],
                "unknown": "{{user.shoe_size}}",
                "plain": 7,
            })
        );
    }
}
