//! Getting bytes to the browser cheaply: the built assets with long-lived caching and
//! build-time compression, on-the-fly compression for pages and JSON, and a cache policy
//! for everything dynamic.

mod assets;
mod cache_policy;
mod compression;

pub use assets::{IMMUTABLE, pkg_service};
pub use cache_policy::{HTML_POLICY, JSON_POLICY, cache_policy_layer};
pub use compression::{MIN_COMPRESSED_BYTES, compression_layer};
