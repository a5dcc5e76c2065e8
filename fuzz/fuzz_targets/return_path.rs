//! The return-path rule: wherever a sign-in is asked to come back to, the path it yields
//! stays on this site once a browser resolves it.
#![no_main]

use app::clerk::paths::safe_return_path;
use libfuzzer_sys::fuzz_target;
use url::Url;

const SITE: &str = "https://app.populatte.test/";

fuzz_target!(|data: &[u8]| {
    let Ok(candidate) = std::str::from_utf8(data) else {
        return;
    };
    let path = safe_return_path(Some(candidate));
    let site = Url::parse(SITE).expect("a valid site URL");
    // The URL parser follows the WHATWG URL standard, as browsers do (tabs and newlines
    // dropped, backslashes as slashes).
    let landed = site
        .join(&path)
        .unwrap_or_else(|e| panic!("{candidate:?} -> {path:?} is no URL: {e}"));
    assert_eq!(
        landed.origin(),
        site.origin(),
        "{candidate:?} -> {path:?} leaves the site"
    );
});
