//! On-the-fly compression for what is rendered per request: pages, JSON, and text assets
//! that were not compressed at build time (a debug build, the emulator's scripts).
//!
//! The wasm module is never compressed here: in a release build its brotli copy is made at
//! build time (quality 11, far smaller than what is affordable per request), and a debug
//! build's multi-megabyte module is not worth the CPU on every load. Small answers (the
//! typical `/api/me`) go out as they are: below about a kilobyte compression saves less than
//! a packet and costs CPU on the hottest path.

use axum::{body::HttpBody, http::Response};
use tower_http::compression::{CompressionLayer, predicate::Predicate};

/// Smaller answers are sent uncompressed.
pub(crate) const MIN_COMPRESSED_BYTES: u16 = 1024;

const COMPRESSIBLE: &[&str] = &[
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
];

/// Brotli when the browser accepts it, else gzip, at tower-http's default on-the-fly
/// qualities (brotli 4, as nginx uses).
pub fn compression_layer() -> CompressionLayer<CompressibleText> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(CompressibleText)
}

#[derive(Clone, Copy, Debug)]
pub struct CompressibleText;

impl Predicate for CompressibleText {
    fn should_compress<B>(&self, response: &Response<B>) -> bool
    where
        B: HttpBody,
    {
        is_compressible_type(response) && !is_known_small(response)
    }
}

fn is_compressible_type<B>(response: &Response<B>) -> bool {
    super::content_type_essence(response)
        .is_some_and(|essence| COMPRESSIBLE.contains(&essence.as_str()))
}

/// A streamed page has no known size: it is compressed.
fn is_known_small<B: HttpBody>(response: &Response<B>) -> bool {
    response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|size| size < u64::from(MIN_COMPRESSED_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::header::CONTENT_TYPE;

    fn response(content_type: &str, body: Vec<u8>) -> Response<Body> {
        Response::builder()
            .header(CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    }

    #[test]
    fn pages_and_json_above_the_threshold_are_compressed() {
        let big = vec![b'a'; usize::from(MIN_COMPRESSED_BYTES)];
        assert!(
            CompressibleText.should_compress(&response("text/html; charset=utf-8", big.clone()))
        );
        assert!(CompressibleText.should_compress(&response("application/json", big)));
    }

    #[test]
    fn small_answers_are_sent_as_they_are() {
        let small = vec![b'a'; usize::from(MIN_COMPRESSED_BYTES) - 1];
        assert!(!CompressibleText.should_compress(&response("application/json", small)));
    }

    #[test]
    fn wasm_and_images_are_never_compressed_on_the_fly() {
        let big = vec![0; 64 * 1024];
        assert!(!CompressibleText.should_compress(&response("application/wasm", big.clone())));
        assert!(!CompressibleText.should_compress(&response("image/png", big.clone())));
        assert!(!CompressibleText.should_compress(&Response::new(Body::from(big))));
    }

    #[test]
    fn a_streamed_page_of_unknown_size_is_compressed() {
        let stream = futures::stream::iter([Ok::<_, std::io::Error>(bytes_of("<html>"))]);
        let response = Response::builder()
            .header(CONTENT_TYPE, "text/html")
            .body(Body::from_stream(stream))
            .unwrap();
        assert!(CompressibleText.should_compress(&response));
    }

    fn bytes_of(text: &str) -> axum::body::Bytes {
        axum::body::Bytes::copy_from_slice(text.as_bytes())
    }
}
