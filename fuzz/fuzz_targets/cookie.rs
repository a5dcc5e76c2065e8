//! The auth layer's token finder over fuzzed `Authorization` and `Cookie` headers: the
//! bearer scheme, the `__session` cookie (plain and suffixed) and `__client_uat`.
//!
//! The first byte says which header each part goes to (bit i: part i is an
//! `Authorization` header, else a `Cookie` header) and whether the instance has a cookie
//! suffix (bit 7); the rest is split into header values at 0xFF.
#![no_main]

use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;
use populatte_fuzz::SEPARATOR;
use server::fuzzing::{TokenSource, find_token, signed_in_client_uat};

const SUFFIX: &str = "DD-LVX2e";

fuzz_target!(|data: &[u8]| {
    let Some((&layout, rest)) = data.split_first() else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (i, part) in rest.split(|&b| b == SEPARATOR).take(7).enumerate() {
        let Ok(value) = HeaderValue::from_bytes(part) else {
            continue;
        };
        let name = if layout & (1 << i) != 0 {
            header::AUTHORIZATION
        } else {
            header::COOKIE
        };
        headers.append(name, value);
    }
    let suffix = (layout & 0x80 != 0).then_some(SUFFIX);
    let uat = signed_in_client_uat(&headers, suffix);
    assert!(uat.is_none_or(|uat| uat > 0), "a signed-out __client_uat");
    if let Some(found) = find_token(&headers, suffix) {
        match found.source {
            TokenSource::Header => {
                assert!(found.client_uat.is_none());
                assert!(headers.contains_key(header::AUTHORIZATION));
            }
            TokenSource::Cookie => {
                // A cookie token only beside proof of a signed-in client.
                assert!(!found.token.is_empty(), "an empty cookie token");
                assert!(found.client_uat.is_some_and(|uat| uat > 0));
                assert_eq!(found.client_uat, uat);
            }
        }
    }
});
