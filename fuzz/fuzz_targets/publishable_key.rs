//! `CLERK_PUBLISHABLE_KEY` through the parser start-up uses. A key that parses names a
//! Frontend API host: the issuer built from it is an `https` URL with that host and
//! nothing else (no path, query, fragment or user smuggled in), since it becomes the
//! required `iss`, the handshake's target and the clerk-js script's origin.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::fuzzing::parse_publishable_key;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((host, issuer, _live)) = parse_publishable_key(raw) else {
        return;
    };
    assert_eq!(issuer, format!("https://{host}"));
    let url = Url::parse(&format!("{issuer}/"))
        .unwrap_or_else(|e| panic!("the issuer of {raw:?} is not a URL: {e}"));
    assert!(
        url.path() == "/" && url.query().is_none() && url.fragment().is_none(),
        "the host of {raw:?} carries more than a host: {url}"
    );
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "the host of {raw:?} carries credentials: {url}"
    );
});
