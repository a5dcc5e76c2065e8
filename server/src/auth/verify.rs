//! Session-token verification, rule for rule as Clerk's backend SDK (see CLERK.md) and
//! stricter where it has gaps: RS256 only, the signature before any claim, the token
//! category, an exact issuer, pending sessions.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::Algorithm;
use populatte::{ClerkId, Profile, ProfileFields};
use serde::Deserialize;
use time::OffsetDateTime;

use super::{
    failure::{AuthFailure, Rejection},
    keys::{KeyLookup, KeyStore},
};

/// Clerk's header category of session tokens; templates and machine tokens carry others.
pub(crate) const SESSION_TOKEN_CATEGORY: &str = "cl_B7d4PD111AAA";

#[derive(Debug, Clone)]
pub struct VerifierSettings {
    /// Origins allowed in `azp`; when not empty, `azp` must be present and listed.
    pub authorized_parties: Vec<String>,
    /// The exact `iss` to require (from the publishable key, or the emulator).
    pub issuer: Option<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    pub skew_secs: i64,
}

impl Default for VerifierSettings {
    fn default() -> Self {
        Self {
            authorized_parties: Vec::new(),
            issuer: None,
            skew_secs: 5,
        }
    }
}

/// What a valid session token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSession {
    pub(crate) clerk_id: ClerkId,
    /// Clerk's `sess_…` id: every session token has one.
    pub(crate) session_id: String,
    pub(crate) issued_at: OffsetDateTime,
    pub(crate) expires_at: i64,
    /// The custom session-token claims, when the token has any of them.
    pub(crate) profile: Option<Profile>,
    /// Which of them it has: a template may carry just some.
    pub(crate) fields: ProfileFields,
    /// Authorized parties are configured and the token names none (`azp` absent): Clerk
    /// mints such tokens for top-level navigations (the handshake). The caller decides by
    /// where the token came from ([`super::service::Authenticator::authenticate`]).
    pub(crate) azp_missing: bool,
}

#[derive(Clone)]
pub struct Verifier {
    keys: KeyStore,
    settings: VerifierSettings,
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: &'a str,
    #[serde(default, borrow)]
    kid: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    typ: Option<&'a str>,
    #[serde(default, borrow)]
    cat: Option<&'a str>,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<serde_json::Value>,
    sid: Option<String>,
    iss: Option<String>,
    azp: Option<String>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    sts: Option<String>,
    email: Option<Option<String>>,
    #[serde(rename = "firstName")]
    first_name: Option<Option<String>>,
    #[serde(rename = "lastName")]
    last_name: Option<Option<String>>,
    #[serde(rename = "imageUrl")]
    image_url: Option<Option<String>>,
}

/// What a handshake payload says: the `Set-Cookie` values to apply.
#[derive(Deserialize)]
struct HandshakeClaims {
    handshake: Vec<String>,
    iss: Option<String>,
    exp: Option<i64>,
}

impl Verifier {
    pub fn new(keys: KeyStore, settings: VerifierSettings) -> Self {
        Self { keys, settings }
    }

    pub(crate) fn skew_secs(&self) -> i64 {
        self.settings.skew_secs
    }

    /// The payload of a token signed (RS256) by one of the instance's keys, with a session
    /// category (or none): format, `typ`, algorithm, key and signature, before any claim.
    async fn signed_payload(&self, token: &str) -> Result<Vec<u8>, AuthFailure> {
        let mut segments = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(Rejection::Malformed.into());
        };
        // An empty signature is left to the algorithm and signature checks: `alg: none`
        // tokens look like that and deserve to be called by their name.
        if header_b64.is_empty() || payload_b64.is_empty() {
            return Err(Rejection::Malformed.into());
        }
        let header_json = decode_segment(header_b64)?;
        let header: Header<'_> =
            serde_json::from_slice(&header_json).map_err(|_| Rejection::Malformed)?;
        if header.typ.is_some_and(|typ| typ != "JWT") {
            return Err(Rejection::Malformed.into());
        }
        // RS256 only, whatever the header says: no `none`, no HS256 "signed" with the public
        // key, no RS384/RS512/PS256 (Clerk never issues them).
        if header.alg != "RS256" {
            return Err(Rejection::InvalidAlgorithm.into());
        }
        let key = match self.keys.key(header.kid.as_deref()).await {
            KeyLookup::Found(key) => key,
            KeyLookup::Unknown => return Err(Rejection::KidMismatch.into()),
            KeyLookup::Unavailable(detail) => {
                return Err(AuthFailure::Unavailable {
                    message: "Sign-in cannot be checked right now; try again shortly.",
                    detail: format!("JWKS unavailable: {detail}"),
                });
            }
        };
        // The signature comes before every claim: a tampered token reports the signature even
        // when it is also expired.
        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        let valid = jsonwebtoken::crypto::verify(
            signature,
            signing_input.as_bytes(),
            &key,
            Algorithm::RS256,
        )
        .unwrap_or(false);
        if !valid {
            return Err(Rejection::InvalidSignature.into());
        }
        if header.cat.is_some_and(|cat| cat != SESSION_TOKEN_CATEGORY) {
            return Err(Rejection::TypeMismatch.into());
        }
        Ok(decode_segment(payload_b64)?)
    }

    /// Checks a handshake payload (`__clerk_handshake`) at `now` and returns its cookie
    /// directives. Clerk's SDK checks only the signature and category; here `iss` must also
    /// be the instance's and an `exp` must not have passed, when the payload has them.
    pub(crate) async fn verify_handshake(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Vec<String>, AuthFailure> {
        let payload = self.signed_payload(token).await?;
        let claims: HandshakeClaims =
            serde_json::from_slice(&payload).map_err(|_| Rejection::Malformed)?;
        if let (Some(issuer), Some(iss)) = (&self.settings.issuer, &claims.iss)
            && iss != issuer
        {
            return Err(Rejection::InvalidIssuer.into());
        }
        if claims
            .exp
            .is_some_and(|exp| exp <= now - self.settings.skew_secs)
        {
            return Err(Rejection::Expired.into());
        }
        Ok(claims.handshake)
    }

    /// Checks `token` at `now` (Unix seconds).
    pub async fn verify(&self, token: &str, now: i64) -> Result<VerifiedSession, AuthFailure> {
        let payload = self.signed_payload(token).await?;
        // Typed claims: a string-typed `exp`, `nbf` or `iat` does not parse, so it can never
        // be skipped as "absent" (the flaw of CVE-2026-25537 in jsonwebtoken's own checks).
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| Rejection::Malformed)?;
        // Older JWT-template tokens have no `cat` header; what gives them away is the missing
        // `sid`. They outlive the session they were minted in, so they never count as one.
        let Some(session_id) = claims.sid.clone() else {
            return Err(Rejection::TypeMismatch.into());
        };
        if !is_session_id(&session_id) {
            return Err(Rejection::VerificationFailed.into());
        }
        self.check_claims(claims, session_id, now)
    }

    fn check_claims(
        &self,
        claims: Claims,
        session_id: String,
        now: i64,
    ) -> Result<VerifiedSession, AuthFailure> {
        let skew = self.settings.skew_secs;
        let clerk_id = match &claims.sub {
            Some(serde_json::Value::String(sub)) => {
                ClerkId::parse(sub).map_err(|_| Rejection::VerificationFailed)?
            }
            _ => return Err(Rejection::VerificationFailed.into()),
        };
        let parties = &self.settings.authorized_parties;
        let azp_missing = !parties.is_empty() && claims.azp.is_none();
        if let Some(azp) = claims.azp.as_deref()
            && !parties.is_empty()
            && !parties.iter().any(|p| p == azp)
        {
            return Err(Rejection::InvalidAuthorizedParty.into());
        }
        if let Some(issuer) = &self.settings.issuer
            && claims.iss.as_deref() != Some(issuer.as_str())
        {
            return Err(Rejection::InvalidIssuer.into());
        }
        let exp = claims.exp.ok_or(Rejection::VerificationFailed)?;
        if exp <= now - skew {
            return Err(Rejection::Expired.into());
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + skew) {
            return Err(Rejection::NotActiveYet.into());
        }
        let iat = claims.iat.ok_or(Rejection::VerificationFailed)?;
        if iat > now + skew {
            return Err(Rejection::IatInTheFuture.into());
        }
        if claims.sts.as_deref() == Some("pending") {
            return Err(Rejection::SessionPending.into());
        }
        let issued_at =
            OffsetDateTime::from_unix_timestamp(iat).map_err(|_| Rejection::VerificationFailed)?;
        // A claim present as `null` speaks for its field (Clerk writes an unset last name so);
        // an absent claim says nothing about it.
        let fields = ProfileFields {
            email: claims.email.is_some(),
            first_name: claims.first_name.is_some(),
            last_name: claims.last_name.is_some(),
            image_url: claims.image_url.is_some(),
        };
        let profile = (!fields.is_none()).then(|| {
            Profile::new(
                claims.email.flatten(),
                claims.first_name.flatten(),
                claims.last_name.flatten(),
                claims.image_url.flatten(),
            )
        });
        Ok(VerifiedSession {
            clerk_id,
            session_id,
            issued_at,
            expires_at: exp,
            profile,
            fields,
            azp_missing,
        })
    }
}

/// `sess_` followed by Clerk's id alphabet.
fn is_session_id(sid: &str) -> bool {
    sid.strip_prefix("sess_")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn decode_segment(segment: &str) -> Result<Vec<u8>, Rejection> {
    // Tolerate padding some encoders add; JWTs are unpadded base64url.
    URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| Rejection::Malformed)
}
