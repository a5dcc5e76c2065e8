//! Coming back from Clerk's handshake: the request target, the `__clerk_handshake` payload
//! in its query, the payload's verification with the instance's key, and the redirect that
//! applies its cookies.
//!
//! Input: `request-target 0xFF claims`. The first byte picks the mode: even, the payload is
//! whatever the query carries; odd, the claims (JSON) are signed with the instance's key,
//! so the directives reach the redirect. Whatever comes in, the redirect stays on this site
//! and sets none but Clerk's session cookies.
#![no_main]

use http::{HeaderMap, HeaderValue, Method, Uri, header};
use libfuzzer_sys::fuzz_target;
use populatte_fuzz::{NOW, SEPARATOR, SESSION_HEADER, block_on, sign, verifier};
use server::fuzzing::{finish_handshake, handshake_payload, handshake_request, verify_handshake};
use url::Url;

const SUFFIX: &str = "DD-LVX2e";
const SITE: &str = "https://app.populatte.test/";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (target, claims) = match rest.iter().position(|&b| b == SEPARATOR) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    // What hyper hands the router: only request targets `http` accepts get this far.
    let Ok(uri) = Uri::try_from(target) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("sec-fetch-dest", HeaderValue::from_static("document"));
    if let Ok(cookie) = HeaderValue::from_bytes(claims) {
        headers.insert(header::COOKIE, cookie);
    }
    let _ = handshake_request(&Method::GET, &headers);
    let Some(mut payload) = handshake_payload(&uri) else {
        return;
    };
    if mode % 2 == 1 {
        payload = sign(SESSION_HEADER, claims);
    }
    let directives = block_on(verify_handshake(verifier(), &payload, NOW)).unwrap_or_default();
    let response = finish_handshake(&uri, SUFFIX, &directives);

    let location = response
        .headers()
        .get(header::LOCATION)
        .expect("the handshake always redirects");
    let location = String::from_utf8_lossy(location.as_bytes());
    let site = Url::parse(SITE).expect("a valid site URL");
    let landed = site
        .join(&location)
        .expect("a Location the browser can follow");
    assert_eq!(
        landed.origin(),
        site.origin(),
        "the handshake redirect left the site: {location:?}"
    );
    for cookie in response.headers().get_all(header::SET_COOKIE) {
        // The values are the signed payload's, bytes beyond ASCII included; only the name
        // matters here.
        let cookie = String::from_utf8_lossy(cookie.as_bytes());
        let name = cookie.split(['=', ';']).next().unwrap_or("").trim();
        let base = name.strip_suffix(&format!("_{SUFFIX}")).unwrap_or(name);
        assert!(
            ["__session", "__client_uat", "__refresh"].contains(&base),
            "the handshake set another cookie: {cookie:?}"
        );
    }
});
