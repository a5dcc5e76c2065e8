//! Minting session tokens the way Clerk does, and every way an attacker or a bug might not.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey};
use rsa::{RsaPublicKey, pkcs8::DecodePublicKey, traits::PublicKeyParts};
use serde_json::{Value, json};

pub(crate) const KEY_A: &str = include_str!("../fixtures/test_key_a.pem");
pub(crate) const KEY_A_PUB: &str = include_str!("../fixtures/test_key_a.pub.pem");
pub(crate) const KEY_B: &str = include_str!("../fixtures/test_key_b.pem");
pub(crate) const KEY_B_PUB: &str = include_str!("../fixtures/test_key_b.pub.pem");

pub(crate) const SESSION_CAT: &str = "cl_B7d4PD111AAA";
pub(crate) const TEMPLATE_CAT: &str = "cl_B7d4PD222AAA";
pub(crate) const MACHINE_CAT: &str = "cl_B7d4PD333AAA";

/// The Frontend API host in the tests' publishable key.
pub(crate) const FRONTEND_API_HOST: &str = "populatte-test.clerk.accounts.dev";

pub(crate) fn publishable_key() -> String {
    format!(
        "pk_test_{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("{FRONTEND_API_HOST}$"))
    )
}

pub(crate) fn issuer() -> String {
    format!("https://{FRONTEND_API_HOST}")
}

pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A JWK for one of the fixture keys.
pub(crate) fn jwk(public_pem: &str, kid: &str) -> Value {
    let key = RsaPublicKey::from_public_key_pem(public_pem).unwrap();
    json!({
        "use": "sig", "kty": "RSA", "kid": kid, "alg": "RS256",
        "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    })
}

/// A token under construction: Clerk's shape by default, every part changeable.
#[derive(Clone)]
pub(crate) struct Mint {
    pub header: Value,
    pub claims: Value,
    pub key: &'static str,
}

impl Mint {
    /// A valid session token for `sub`, with the custom profile claims.
    pub(crate) fn session(sub: &str) -> Self {
        let now = now();
        Self {
            header: json!({"alg": "RS256", "typ": "JWT", "kid": "key-a", "cat": SESSION_CAT}),
            claims: json!({
                "sub": sub, "sid": format!("sess_{}", &sub[5..]), "iss": issuer(),
                "azp": "http://127.0.0.1:3000", "iat": now, "nbf": now - 10, "exp": now + 60,
                "jti": "abc", "v": 2, "sts": "active",
                "email": format!("{}@example.com", &sub[5..]), "firstName": "Ada",
                "lastName": "Lovelace", "imageUrl": "https://img.example.com/a.png",
            }),
            key: KEY_A,
        }
    }

    pub(crate) fn claim(mut self, name: &str, value: Value) -> Self {
        self.claims[name] = value;
        self
    }

    pub(crate) fn without_claim(mut self, name: &str) -> Self {
        self.claims.as_object_mut().unwrap().remove(name);
        self
    }

    pub(crate) fn without_profile(self) -> Self {
        self.without_claim("email")
            .without_claim("firstName")
            .without_claim("lastName")
            .without_claim("imageUrl")
    }

    pub(crate) fn header(mut self, name: &str, value: Value) -> Self {
        self.header[name] = value;
        self
    }

    pub(crate) fn signed_by(mut self, key: &'static str) -> Self {
        self.key = key;
        self
    }

    /// Signs with the algorithm the header names (RS256 unless changed).
    pub(crate) fn sign(&self) -> String {
        let alg = self.header["alg"].as_str().unwrap_or("RS256");
        let algorithm: Algorithm = alg.parse().unwrap();
        self.sign_as(algorithm)
    }

    pub(crate) fn sign_as(&self, algorithm: Algorithm) -> String {
        let encoded_header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.header).unwrap());
        let encoded_claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.claims).unwrap());
        let message = format!("{encoded_header}.{encoded_claims}");
        let key = match algorithm {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                EncodingKey::from_secret(self.key.as_bytes()).unwrap()
            }
            _ => EncodingKey::from_rsa_pem(self.key.as_bytes()).unwrap(),
        };
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, algorithm).unwrap();
        format!("{message}.{signature}")
    }

    /// `alg: none`, no signature.
    pub(crate) fn unsigned(&self) -> String {
        let header = json!({"alg": "none", "typ": "JWT", "kid": "key-a"});
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.claims).unwrap())
        )
    }
}

/// Keeps the signature, swaps the payload: a token someone edited.
pub(crate) fn tamper_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    format!("{}.{}.{}", parts[0], payload, parts[2])
}

/// Flips one character of the signature.
pub(crate) fn tamper_signature(token: &str) -> String {
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = signature.as_bytes().to_vec();
    bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
    format!("{rest}.{}", String::from_utf8(bytes).unwrap())
}
