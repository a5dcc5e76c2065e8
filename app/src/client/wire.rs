//! The request and answer shapes both clients hand to the browser transport: plain data, so a
//! request can be sent twice and an answer inspected before anyone decodes it.

use http::Method;
use leptos::server_fn::Bytes;

use super::policy::Answer;

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
    /// server_fn's own redirect header was present.
    pub server_fn_redirect: bool,
    pub body: Bytes,
}

impl Answer for BufferedResponse {
    fn status(&self) -> u16 {
        self.status
    }

    fn www_authenticate(&self) -> Option<&str> {
        self.www_authenticate.as_deref()
    }
}

/// The browser could not deliver the request or read the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);
