//! Getting bytes to the browser cheaply: the built assets with long-lived caching and
//! build-time compression, on-the-fly compression for pages and JSON, and a cache policy
//! for everything dynamic.

mod assets;
mod cache_policy;
mod compression;

pub(crate) use assets::pkg_service;
pub use cache_policy::cache_policy_layer;
pub use compression::compression_layer;

/// The media type of a response (`text/html` for `text/html; charset=utf-8`), lowercased.
fn content_type_essence<B>(response: &axum::http::Response<B>) -> Option<String> {
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(
        content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}
