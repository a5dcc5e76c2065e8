//! `/pkg/…`: the wasm module, its JS glue and the stylesheet that cargo-leptos builds.
//!
//! With `hash-files` every name carries a hash of the content, so a response may be kept
//! for a year without asking again; a new build has new names. Without hashes (a plain
//! `cargo leptos watch`), the browser revalidates each time. The brotli and gzip copies
//! that `cargo leptos build --release --precompress` writes next to each file are served
//! to browsers that accept them; nothing here compresses at request time.

use std::path::Path;

use axum::{
    Router,
    body::Body,
    http::{
        HeaderValue, Response, StatusCode,
        header::{CACHE_CONTROL, VARY},
    },
};
use leptos::config::LeptosOptions;
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

/// For content-addressed files only: a new build never reuses a name.
pub(crate) const IMMUTABLE: HeaderValue =
    HeaderValue::from_static("public, max-age=31536000, immutable");
/// Unhashed names change content in place: use the copy only after revalidating it.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// A missing file may appear with the next deployment: never keep the miss.
const DO_NOT_KEEP: HeaderValue = HeaderValue::from_static("no-store");
/// The same URL answers brotli, gzip or plain bytes: a shared cache must key on the encoding.
const BY_ENCODING: HeaderValue = HeaderValue::from_static("accept-encoding");

/// The service to nest at `/{site_pkg_dir}`. It needs no user: it sits outside the auth layer.
pub(crate) fn pkg_service(options: &LeptosOptions) -> Router {
    let dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let found = if options.hash_files {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::if_not_present(VARY, BY_ENCODING))
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            move |response: &Response<Body>| {
                Some(match response.status() {
                    status if status.is_success() => found.clone(),
                    StatusCode::NOT_MODIFIED => found.clone(),
                    _ => DO_NOT_KEEP,
                })
            },
        ))
}
