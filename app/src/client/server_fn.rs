//! The server-function client: every `#[server]` call from the browser goes through the shared
//! [`AuthPolicy`](super::AuthPolicy), like the REST client.
//!
//! Declare every server function with it:
//!
//! ```text
//! #[server(client = crate::client::AuthedClient)]
//! pub async fn current_user() -> Result<UserProfile, ApiError> { … }
//! ```
//!
//! (`server_fn_lint` fails the tests when one in `app/src` lacks it.)
//!
//! Why a request type of our own: server_fn's `BrowserRequest` is a built `fetch` request whose
//! parts are private, whose body can be read once, and whose abort controller fires when it is
//! taken apart, so it cannot be sent twice. server_fn builds requests through the `ClientReq`
//! trait of the client's request type, though, so [`AuthedRequest`] keeps the pieces it is given
//! (method, URL, headers, body) and the policy builds a new `fetch` per attempt.
//!
//! Limits: request bodies are text or bytes (every built-in encoding: URL, JSON, CBOR, …);
//! streaming request bodies and multipart forms are refused, since they cannot be replayed.
//! Answers are read whole before decoding, so streaming output arrives at once at the end.
//! Websockets go through server_fn's browser client unchanged: a browser cannot put a header on
//! a websocket, so they rely on the `__session` cookie.

use std::future::Future;

use futures::{Sink, Stream, stream};
use http::Method;
use leptos::server_fn::{
    Bytes,
    client::{Client, browser::BrowserClient, get_server_url},
    error::{FromServerFnError, ServerFnErrorErr},
    request::ClientReq,
    response::ClientRes,
};

use super::wire::{Body, BufferedResponse, PreparedRequest};

/// The `client` of every server function (see the module docs).
pub struct AuthedClient;

/// A server-function request kept as its pieces, so that it can be sent twice.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthedRequest(pub PreparedRequest);

/// Form bodies (multipart uploads) are not supported: see the module docs.
pub enum NoFormData {}

impl<E, InputStreamError, OutputStreamError> Client<E, InputStreamError, OutputStreamError>
    for AuthedClient
where
    E: FromServerFnError,
    InputStreamError: FromServerFnError,
    OutputStreamError: FromServerFnError,
{
    type Request = AuthedRequest;
    type Response = BufferedResponse;

    fn send(request: AuthedRequest) -> impl Future<Output = Result<BufferedResponse, E>> + Send {
        send_under_policy(request)
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, InputStreamError, OutputStreamError>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, InputStreamError, OutputStreamError>>::spawn(future)
    }
}

#[cfg(feature = "hydrate")]
fn send_under_policy<E: FromServerFnError>(
    request: AuthedRequest,
) -> impl Future<Output = Result<BufferedResponse, E>> + Send {
    use super::fetch::FetchTransport;
    // The browser has one thread; the wrapper only satisfies server_fn's `Send` bound.
    send_wrapper::SendWrapper::new(async move {
        super::policy()
            .send(&FetchTransport::new(&request.0))
            .await
            .map(BufferedResponse::with_error_envelope)
            .map_err(|error| E::from_server_fn_error(ServerFnErrorErr::Request(error.0)))
    })
}

/// On the server a server function is a plain call; nothing is ever sent from there.
#[cfg(not(feature = "hydrate"))]
async fn send_under_policy<E: FromServerFnError>(
    request: AuthedRequest,
) -> Result<BufferedResponse, E> {
    let AuthedRequest(PreparedRequest { url, .. }) = request;
    Err(E::from_server_fn_error(ServerFnErrorErr::Request(format!(
        "{url}: server functions are only sent from the browser"
    ))))
}

fn prepared(
    method: Method,
    url: String,
    content_type: Option<&str>,
    accepts: &str,
) -> PreparedRequest {
    let request = PreparedRequest::new(method, url);
    match content_type {
        Some(content_type) => request.header("Content-Type", content_type),
        None => request,
    }
    .header("Accept", accepts)
}

fn url(path: &str) -> String {
    format!("{}{path}", get_server_url())
}

impl<E: FromServerFnError> ClientReq<E> for AuthedRequest {
    type FormData = NoFormData;

    fn try_new_req_query(
        path: &str,
        content_type: &str,
        accepts: &str,
        query: &str,
        method: Method,
    ) -> Result<Self, E> {
        let url = format!("{}?{query}", url(path));
        Ok(Self(prepared(method, url, Some(content_type), accepts)))
    }

    fn try_new_req_text(
        path: &str,
        content_type: &str,
        accepts: &str,
        body: String,
        method: Method,
    ) -> Result<Self, E> {
        let request = prepared(method, url(path), Some(content_type), accepts);
        Ok(Self(request.body(Body::Text(body))))
    }

    fn try_new_req_bytes(
        path: &str,
        content_type: &str,
        accepts: &str,
        body: Bytes,
        method: Method,
    ) -> Result<Self, E> {
        let request = prepared(method, url(path), Some(content_type), accepts);
        Ok(Self(request.body(Body::Bytes(body))))
    }

    fn try_new_req_form_data(
        _path: &str,
        _accepts: &str,
        _content_type: &str,
        body: NoFormData,
        _method: Method,
    ) -> Result<Self, E> {
        match body {}
    }

    fn try_new_req_multipart(
        _path: &str,
        _accepts: &str,
        body: NoFormData,
        _method: Method,
    ) -> Result<Self, E> {
        match body {}
    }

    fn try_new_req_streaming(
        path: &str,
        _accepts: &str,
        _content_type: &str,
        _body: impl Stream<Item = Bytes> + Send + 'static,
        _method: Method,
    ) -> Result<Self, E> {
        Err(E::from_server_fn_error(ServerFnErrorErr::Request(format!(
            "{path}: a streaming body cannot be sent twice, so AuthedClient does not send one"
        ))))
    }
}

impl<E: FromServerFnError> ClientRes<E> for BufferedResponse {
    async fn try_into_string(self) -> Result<String, E> {
        String::from_utf8(self.body.to_vec()).map_err(|error| {
            E::from_server_fn_error(ServerFnErrorErr::Deserialization(error.to_string()))
        })
    }

    async fn try_into_bytes(self) -> Result<Bytes, E> {
        Ok(self.body)
    }

    fn try_into_stream(
        self,
    ) -> Result<impl Stream<Item = Result<Bytes, Bytes>> + Send + Sync + 'static, E> {
        Ok(stream::iter([Ok(self.body)]))
    }

    fn status(&self) -> u16 {
        self.status
    }

    fn status_text(&self) -> String {
        self.status_text.clone()
    }

    fn location(&self) -> String {
        self.location.clone().unwrap_or_else(|| self.url.clone())
    }

    fn has_redirect(&self) -> bool {
        self.server_fn_redirect
    }
}

#[cfg(test)]
#[path = "server_fn_tests.rs"]
mod tests;
