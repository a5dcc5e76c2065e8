//! The rule's parser in the browser: its own WHATWG `URL`, so the wasm carries no URL parser.

use super::Resolved;

pub(super) fn resolve(candidate: &str, site: &str) -> Option<Resolved> {
    let url = web_sys::Url::new_with_base(candidate, site).ok()?;
    // `search` is empty for an empty query and starts with `?` otherwise, as on the server.
    Some(Resolved {
        origin: url.origin(),
        path_and_query: format!("{}{}", url.pathname(), url.search()),
    })
}
