//! The one rule for every redirect target the app emits: the handshake's return, the sign-in
//! and sign-up pages' return, the route guard, on the server and in the browser.
//!
//! A candidate is resolved the way a browser resolves a `Location` or a link: by a
//! WHATWG-conformant URL parser (the `url` crate on the server, the browser's own `URL` in the
//! wasm, so the bundle carries no second parser). It is accepted only if the result keeps the
//! site's origin, and what is emitted is the result's serialised path and query: ASCII only,
//! every control and non-ASCII character percent-encoded, so it is always a valid header value
//! and means the same to every browser. String checks cannot do this: browsers drop tabs and
//! newlines, read `\` as `/` and `/.//x` as a path, and `//host` as another site.
//!
//! The emitted path and query are resolved again and must come out unchanged: a path that
//! only the first resolution makes (`/a/..//evil.example` becomes `//evil.example`) would
//! leave the site the second time, when the browser follows it.

#[cfg(all(target_arch = "wasm32", feature = "hydrate"))]
#[path = "browser.rs"]
mod parser;
#[cfg(not(target_arch = "wasm32"))]
#[path = "native.rs"]
mod parser;
// A wasm build without the browser's parser has nothing to resolve with: nothing is accepted.
#[cfg(all(target_arch = "wasm32", not(feature = "hydrate")))]
mod parser {
    pub(super) fn resolve(_candidate: &str, _site: &str) -> Option<super::Resolved> {
        None
    }
}

/// Stand for this site's own origin. Only the path and query of a resolved candidate are
/// ever emitted, and the browser resolves those against the origin it is on, so the rule
/// needs no knowledge of the host the site is served under: what it must know is whether the
/// candidate keeps whatever origin it is resolved against, under either scheme (`http:x` is a
/// path on an http site but another host on an https one). An absolute URL naming the real
/// host is refused (the app only ever asks to come back to paths); the reserved `.invalid`
/// name resolves nowhere, so a candidate naming it leads nowhere else either.
const SITES: [&str; 2] = ["http://populatte.invalid", "https://populatte.invalid"];

/// A candidate as the URL parser resolved it against one of [`SITES`].
#[derive(Debug, PartialEq, Eq)]
struct Resolved {
    /// The serialised origin (`http://host:port`, or `null` for an opaque one).
    origin: String,
    /// Path and query as a `Location` carries them; no `?` when the query is empty.
    path_and_query: String,
}

/// The target to emit for `candidate` (a path, or a URL on this site), or `None` when it
/// would leave the site or cannot be parsed. The result starts with a single `/` and is
/// printable ASCII.
pub fn same_site_target(candidate: &str) -> Option<String> {
    let mut target: Option<String> = None;
    for site in SITES {
        let first = parser::resolve(candidate, site)?;
        if first.origin != site {
            return None;
        }
        // Resolved once more as the browser will: the same origin and the same path and query.
        let again = parser::resolve(&first.path_and_query, site)?;
        if again != first || target.as_ref().is_some_and(|t| *t != first.path_and_query) {
            return None;
        }
        target = Some(first.path_and_query);
    }
    target
}

/// [`same_site_target`], or `fallback` for a target that would leave the site.
pub fn same_site_target_or(candidate: &str, fallback: &str) -> String {
    same_site_target(candidate).unwrap_or_else(|| fallback.to_owned())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
