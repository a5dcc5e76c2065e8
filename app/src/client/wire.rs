//! The request and answer shapes both clients hand to the browser transport: plain data, so a
//! request can be sent twice and an answer inspected before anyone decodes it.

use http::Method;
use leptos::server_fn::Bytes;

use super::policy::PolicyAnswer;
use super::token::TokenError;
use crate::api::{ApiError, ErrorEnvelope};

/// Everything needed to send a request again: nothing in it is consumed by sending.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Text(String),
    Bytes(Bytes),
}

impl PreparedRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }
}

/// An answer read to the end. Bodies here are small JSON documents; reading them whole lets the
/// policy look at the status before any caller decodes, and keeps the type `Send`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BufferedResponse {
    pub status: u16,
    pub status_text: String,
    /// The URL the answer came from (after redirects).
    pub url: String,
    pub location: Option<String>,
    pub www_authenticate: Option<String>,
    /// `Retry-After`, as sent (seconds, or an HTTP date this client does not read).
    pub retry_after: Option<String>,
    /// server_fn's own redirect header was present.
    pub server_fn_redirect: bool,
    pub body: Bytes,
}

impl PolicyAnswer for BufferedResponse {
    fn status(&self) -> u16 {
        self.status
    }

    fn www_authenticate(&self) -> Option<&str> {
        self.www_authenticate.as_deref()
    }

    fn refusal_reason(&self) -> Option<String> {
        serde_json::from_slice::<ErrorEnvelope>(&self.body)
            .ok()
            .and_then(|envelope| envelope.error.reason)
    }

    fn token_unavailable(error: &TokenError) -> Self {
        leptos::logging::warn!("no fresh session token, answering unavailable: {error}");
        let error = ApiError::unavailable(
            "Your session could not be refreshed: Clerk is temporarily unavailable.",
        );
        Self {
            status: error.status(),
            status_text: "Service Unavailable".into(),
            body: Bytes::from(serde_json::to_vec(&error).unwrap_or_default()),
            ..Self::default()
        }
    }
}

impl BufferedResponse {
    /// An error answer whose body is not the API's envelope (a proxy's HTML 502, a bare 413
    /// or 408) gets the envelope its status means, and a `Retry-After` header becomes the
    /// envelope's wait: server_fn decodes an error from the body alone, and must see what the
    /// REST client sees.
    pub fn with_error_envelope(mut self) -> Self {
        if self.status < 400 {
            return self;
        }
        let error = ApiError::from_answer(self.status, &self.body, self.retry_after.as_deref());
        let already = serde_json::from_slice::<ErrorEnvelope>(&self.body)
            .is_ok_and(|envelope| ApiError::from(envelope) == error);
        if !already && let Ok(body) = serde_json::to_vec(&error) {
            self.body = Bytes::from(body);
        }
        self
    }
}

/// The browser could not deliver the request or read the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);
