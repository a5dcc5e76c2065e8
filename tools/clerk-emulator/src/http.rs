//! Small HTTP helpers shared by the HTTP modules: cookies and the browser's client, the
//! request's origin, and JSON bodies (an extractor whose rejections use Clerk's error shape,
//! and [`present`] for fields where `null` differs from absent).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};

use crate::core::store::{Client, StateData};
use crate::error::ClerkApiError;

pub(crate) const CLIENT_COOKIE: &str = "__client";
pub(crate) const CLIENT_UAT_COOKIE: &str = "__client_uat";
/// A year, as Clerk keeps its `__client` and `__client_uat` cookies.
pub(crate) const LONG_COOKIE_SECS: i64 = 365 * 24 * 3600;

pub(crate) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

/// The browser's client: the cookie and whether it still names a live client.
pub(crate) struct BrowserClient {
    pub cookie: Option<String>,
}

impl BrowserClient {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            cookie: read_cookie(headers, CLIENT_COOKIE),
        }
    }

    pub(crate) fn find<'a>(&self, data: &'a StateData) -> Option<&'a Client> {
        self.cookie
            .as_deref()
            .and_then(|c| data.client_by_cookie(c))
    }
}

/// Deserialises a present field, `null` included, as `Some(value)`, so that a missing field
/// (`None`) and a `null` that clears it (`Some(None)`) differ.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

pub(crate) struct Cookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub path: &'a str,
    pub http_only: bool,
    /// None: a browser-session cookie.
    pub max_age: Option<i64>,
}

impl Cookie<'_> {
    /// The `Set-Cookie` value. Values are ids, tokens and digits, always valid header text.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        let path = if self.path.is_empty() { "/" } else { self.path };
        let mut text = format!("{}={}; Path={path}; SameSite=Lax", self.name, self.value);
        if self.http_only {
            text.push_str("; HttpOnly");
        }
        if let Some(max_age) = self.max_age {
            text.push_str(&format!("; Max-Age={max_age}"));
        }
        HeaderValue::from_str(&text).ok()
    }
}

/// The `Origin` header when it names a real origin (not `null`).
pub(crate) fn request_origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null" && !o.is_empty())
        .map(str::to_owned)
}

/// A JSON body. An empty body reads as `{}`, so endpoints whose fields are all optional
/// need no body at all. Bad JSON is a 400, JSON of the wrong shape a 422.
pub(crate) struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ClerkApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ClerkApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ClerkApiError::bad_request(format!("could not read the body: {e}")))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The rules of [`JsonBody`] for a body already read, for handlers that must check the
/// caller before they look at the body.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClerkApiError> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text).map_err(|e| {
        if e.is_data() {
            ClerkApiError::unprocessable(format!("the JSON body does not fit: {e}"))
        } else {
            ClerkApiError::bad_request(format!("the body is not valid JSON: {e}"))
        }
    })
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_many_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; __client=abc"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read_cookie(&headers, "__client").as_deref(), Some("abc"));
        assert_eq!(read_cookie(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read_cookie(&headers, "__session"), None);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
