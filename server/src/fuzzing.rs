//! The parsers that read network input, opened to the coverage-guided fuzz targets in
//! `fuzz/` (built only with the `fuzzing` feature, never in the product).
//!
//! Each function is a thin pass-through to the code the request path runs, so a target
//! exercises exactly what a client reaches; the rest of the crate keeps its narrow
//! visibility. When those modules move, only this file follows them.

use axum::{
    http::{HeaderMap, Method, Uri},
    response::Response,
};

pub use crate::auth::token::{FoundToken, TokenSource};
use crate::auth::{
    AuthFailure,
    handshake::{self, FrontendApi, Handshake},
    token,
    verify::Verifier,
};

/// The auth layer's token finder: `Authorization`, else `__session` beside `__client_uat`.
pub fn find_token<'a>(headers: &'a HeaderMap, suffix: Option<&str>) -> Option<FoundToken<'a>> {
    token::find_token(headers, suffix)
}

/// `__client_uat` when it says signed in (the handshake's cue).
pub fn signed_in_client_uat(headers: &HeaderMap, suffix: Option<&str>) -> Option<i64> {
    token::signed_in_client_uat(headers, suffix)
}

/// `__clerk_handshake` from a request's query string.
pub fn handshake_payload(uri: &Uri) -> Option<String> {
    handshake::payload(uri)
}

/// The handshake counter cookie and the document-navigation test, as the layer reads them.
pub fn handshake_request(method: &Method, headers: &HeaderMap) -> (bool, u32) {
    (
        handshake::is_document_request(method, headers),
        handshake::redirect_count(headers),
    )
}

/// Checks a handshake payload at `now` and returns its cookie directives.
pub async fn verify_handshake(
    verifier: &Verifier,
    payload: &str,
    now: i64,
) -> Result<Vec<String>, AuthFailure> {
    verifier.verify_handshake(payload, now).await
}

/// The redirect that applies verified directives, for an instance in proxy mode whose
/// cookie suffix is `suffix`.
pub fn finish_handshake(uri: &Uri, suffix: &str, directives: &[String]) -> Response {
    Handshake::new(FrontendApi::Proxy("/__clerk".into()), suffix, false).finish(uri, directives)
}

/// The webhook signature check the handler runs, for `CLERK_WEBHOOK_SIGNING_SECRET`
/// `secret`, and the signature a sender would put on `body`.
pub struct WebhookSignatures(crate::webhooks::signature::SignatureVerifier);

impl WebhookSignatures {
    pub fn new(secret: &str) -> Result<Self, String> {
        crate::webhooks::signature::SignatureVerifier::new(secret).map(Self)
    }

    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> bool {
        self.0.verify(body, headers).is_ok()
    }

    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
        self.0.sign(id, timestamp, body).ok()
    }
}

/// A webhook body as the handler parses it once the signature holds; `Ok` carries the
/// event's kind and, for a user event, the Clerk id and the profile it leads to.
pub fn parse_webhook(body: &[u8]) -> Result<String, String> {
    use crate::webhooks::event::{UserEvent, parse};
    Ok(match parse(body)? {
        UserEvent::Upsert { user, as_of } => {
            format!("upsert {} {as_of} {:?}", user.id.as_str(), user.profile())
        }
        UserEvent::Delete { clerk_id, at } => format!("delete {} {at}", clerk_id.as_str()),
        UserEvent::Other(kind) => format!("other {kind}"),
    })
}

/// `CLERK_PUBLISHABLE_KEY` as start-up reads it: the Frontend API host, the issuer tokens
/// must carry and whether the key is a live one.
pub fn parse_publishable_key(raw: &str) -> Result<(String, String, bool), String> {
    let key = crate::config::PublishableKey::parse(raw)?;
    Ok((
        key.frontend_api_host().to_owned(),
        key.issuer(),
        key.is_live(),
    ))
}
