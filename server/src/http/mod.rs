//! The HTTP server itself: the accept loop with its limits ([`serve`]), and which origin and
//! client a request came from, behind a reverse proxy or not ([`origin`]).

pub(crate) mod origin;
mod proxies;
pub(crate) mod serve;

pub(crate) use origin::{BrowserOrigin, resolve_origin};
pub(crate) use proxies::TrustedProxies;
