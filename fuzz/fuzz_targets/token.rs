//! Session tokens through the server's verifier, against the instance's real RSA key.
//!
//! The first byte picks the mode: even, the rest is the token as the client sent it
//! (segments, base64, header, signature); odd, the rest is `header 0xFF claims` (or just the
//! claims) as JSON, signed with the instance's key here so that the claim checks are
//! reached. A token signed with the right key must never be refused for its signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use populatte_fuzz::{NOW, block_on, sign, split_header, verifier};
use server::auth::{AuthFailure, Rejection};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let token = String::from_utf8_lossy(rest);
        let _ = block_on(verifier().verify(&token, NOW));
        return;
    }
    let (header, claims) = split_header(rest);
    let token = sign(header, claims);
    let result = block_on(verifier().verify(&token, NOW));
    assert!(
        !matches!(
            result,
            Err(AuthFailure::Rejected(Rejection::InvalidSignature))
        ),
        "a token signed with the instance key was refused for its signature: {token}"
    );
});
