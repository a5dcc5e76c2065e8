//! What the fuzz targets share: the test instance's keys and settings, a signer that turns
//! fuzzed JSON into validly signed tokens (so coverage gets past the signature check into
//! the claims), and a way to run the verifier's async functions to completion.

use std::sync::OnceLock;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey};
use server::auth::{
    keys::KeyStore,
    verify::{Verifier, VerifierSettings},
};

/// The test key pair of the server's own tests (a throwaway key, never used elsewhere).
pub const PRIVATE_KEY: &str = include_str!("../../server/tests/fixtures/test_key_a.pem");
pub const PUBLIC_KEY: &str = include_str!("../../server/tests/fixtures/test_key_a.pub.pem");

/// The instance the targets verify for.
pub const ISSUER: &str = "https://clerk.populatte.test";
pub const AUTHORIZED_PARTY: &str = "http://localhost:3000";
/// A fixed clock (2025-11-26 12:01:00 UTC), so that a run is reproducible.
pub const NOW: i64 = 1_764_158_460;

/// Separates the parts of one fuzz input: never valid inside UTF-8 text, so no header,
/// cookie or JSON document contains it.
pub const SEPARATOR: u8 = 0xFF;

/// The verifier the auth layer builds from `CLERK_JWT_KEY` and a publishable key.
pub fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let keys = KeyStore::from_pem(PUBLIC_KEY).expect("the fixture public key parses");
        Verifier::new(
            keys,
            VerifierSettings {
                authorized_parties: vec![AUTHORIZED_PARTY.to_owned()],
                issuer: Some(ISSUER.to_owned()),
                skew_secs: 5,
            },
        )
    })
}

fn signing_key() -> &'static EncodingKey {
    static KEY: OnceLock<EncodingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).expect("the fixture private key parses")
    })
}

/// A Clerk session token's header.
pub const SESSION_HEADER: &[u8] =
    br#"{"alg":"RS256","kid":"ins_test","typ":"JWT","cat":"cl_B7d4PD111AAA"}"#;

/// `header.payload.signature`, RS256-signed with the instance's key, whatever the header
/// and payload bytes say.
pub fn sign(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), signing_key(), Algorithm::RS256)
        .expect("RS256 signing with a valid key does not fail");
    format!("{input}.{signature}")
}

/// `header SEPARATOR payload`, or the payload alone under a session-token header.
pub fn split_header(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == SEPARATOR) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (SESSION_HEADER, data),
    }
}

/// Runs a future that never waits on I/O (the verifier with a static key) to completion.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}
