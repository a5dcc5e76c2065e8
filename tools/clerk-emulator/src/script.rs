//! The browser script, served at clerk-js's own path so that an app loads it exactly as it
//! loads clerk-js.

use axum::http::header;
use axum::response::IntoResponse;

pub const SCRIPT_PATH: &str = "/npm/@clerk/clerk-js@6/dist/clerk.browser.js";

const SCRIPT: &str = include_str!("../assets/clerk.browser.js");

pub async fn serve() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Small and local: always fresh beats a stale script after an emulator upgrade.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}
