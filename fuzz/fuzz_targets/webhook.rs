//! Clerk webhooks as the handler takes them: the Svix signature check over the
//! `svix-*`/`webhook-*` headers and the raw body, then the event parsing.
//!
//! The first byte picks the mode: even, the rest is `svix-id 0xFF svix-timestamp 0xFF
//! svix-signature 0xFF body` (checked by the server's verifier; the body then goes to the
//! parser whatever the check said, so that recorded deliveries reach it); odd, the rest is
//! the body, signed here with the instance's secret at the current time, which the check
//! must accept.
#![no_main]

use std::sync::OnceLock;

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use populatte_fuzz::SEPARATOR;
use server::fuzzing::{WebhookSignatures, parse_webhook};

/// Svix's published test secret.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn webhook() -> &'static WebhookSignatures {
    static WEBHOOK: OnceLock<WebhookSignatures> = OnceLock::new();
    WEBHOOK.get_or_init(|| WebhookSignatures::new(SECRET).expect("a valid secret"))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut headers = HeaderMap::new();
    let body = if mode % 2 == 0 {
        let mut parts = rest.splitn(4, |&b| b == SEPARATOR);
        let (Some(id), Some(timestamp), Some(signature), Some(body)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        // The Standard Webhooks names when the mode says so: the server accepts either.
        let prefix = if mode & 2 == 0 { "svix" } else { "webhook" };
        for (name, value) in [
            ("id", id),
            ("timestamp", timestamp),
            ("signature", signature),
        ] {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.insert(
                    http::HeaderName::from_bytes(format!("{prefix}-{name}").as_bytes())
                        .expect("a valid header name"),
                    value,
                );
            }
        }
        let _ = webhook().verify(body, &headers);
        body
    } else {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let now = unix_now();
        let signature = webhook()
            .sign("msg_fuzz", now, text.as_bytes())
            .expect("a UTF-8 body can be signed");
        headers.insert("svix-id", HeaderValue::from_static("msg_fuzz"));
        headers.insert("svix-timestamp", HeaderValue::from(now));
        headers.insert(
            "svix-signature",
            HeaderValue::from_str(&signature).expect("base64 is a valid header value"),
        );
        assert!(
            webhook().verify(rest, &headers),
            "a delivery signed with the instance's secret was refused"
        );
        rest
    };
    let _ = parse_webhook(body);
});
