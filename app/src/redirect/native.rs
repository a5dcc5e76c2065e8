//! The rule's parser on the server (and in native tests): the `url` crate, WHATWG-conformant.

use url::Url;

use super::Resolved;

pub(super) fn resolve(candidate: &str, site: &str) -> Option<Resolved> {
    let base = Url::parse(site).ok()?;
    let url = base.join(candidate).ok()?;
    let mut path_and_query = url.path().to_owned();
    if let Some(query) = url.query().filter(|query| !query.is_empty()) {
        path_and_query.push('?');
        path_and_query.push_str(query);
    }
    Some(Resolved {
        origin: url.origin().ascii_serialization(),
        path_and_query,
    })
}
