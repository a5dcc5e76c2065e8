//! The glue between [`ApiError`] and server_fn: server functions answer with the same envelope
//! and the same statuses as REST, and server_fn's own failures become an `ApiError` of the
//! right kind on each side.

#[cfg(feature = "ssr")]
use axum::http::StatusCode;

use super::ApiError;

/// Server functions return `Result<T, ApiError>`: the same JSON envelope as REST.
impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        // On the server, while a call is being answered, a failure is about that call's
        // request (its arguments did not decode, say), and the status must say so too, not
        // server_fn's blanket 500. Everywhere else it is the browser's view of an answer.
        #[cfg(feature = "ssr")]
        if in_server_fn_call() {
            return Self::from_failed_call(value).for_server_fn_call();
        }
        Self::from_server_fn_failure(value)
    }
}

impl ApiError {
    /// The server's view: the request of the call being answered was at fault, or we were.
    #[cfg(feature = "ssr")]
    fn from_failed_call(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // These describe the caller's own arguments, which reveals nothing of ours.
            E::Args(detail) | E::Deserialization(detail) => {
                Self::bad_request(format!("The arguments could not be read: {detail}"))
            }
            E::MissingArg(name) => Self::bad_request(format!("The argument {name} is missing.")),
            E::UnsupportedRequestMethod(method) => {
                Self::bad_request(format!("{method} is not how this function is called."))
            }
            E::Serialization(_)
            | E::Request(_)
            | E::Registration(_)
            | E::ServerError(_)
            | E::MiddlewareError(_)
            | E::Response(_) => Self::internal(),
        }
    }

    /// The browser's view: sending the request or reading the answer failed.
    fn from_server_fn_failure(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(detail) => Self::Network {
                message: format!("Could not reach the server: {detail}"),
            },
            E::Deserialization(detail) => Self::Decode {
                message: format!("The server's answer could not be read: {detail}"),
            },
            E::Serialization(_) | E::Args(_) | E::MissingArg(_) => {
                Self::bad_request("The request could not be encoded or was incomplete.")
            }
            E::Registration(_)
            | E::UnsupportedRequestMethod(_)
            | E::ServerError(_)
            | E::MiddlewareError(_)
            | E::Response(_) => Self::internal(),
        }
    }
}

/// Where every server function lives: its `endpoint` starts with `fn/`, under server_fn's
/// `/api` prefix. Keeping them apart from the REST paths means no server function can shadow
/// a REST route (`POST /api/me` stays a 405), and tells a server-function call from a page.
pub const SERVER_FN_PREFIX: &str = "/api/fn/";

/// Whether the request being handled is a call of one of our server functions, as
/// opposed to a page rendering on the server (which calls them directly) or no request.
#[cfg(feature = "ssr")]
fn in_server_fn_call() -> bool {
    leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
        parts.uri.path().starts_with(SERVER_FN_PREFIX)
    })
    .unwrap_or(false)
}

#[cfg(feature = "ssr")]
impl ApiError {
    /// Gives the answer of the server-function call being handled this error's status,
    /// so that the wire matches REST (server_fn answers every error with 500). Outside a
    /// server-function call (a page rendering on the server calls them directly) the
    /// page's status is the page's business and stays untouched.
    pub fn for_server_fn_call(self) -> Self {
        if in_server_fn_call()
            && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = StatusCode::from_u16(self.status())
        {
            response.set_status(status);
        }
        self
    }
}
