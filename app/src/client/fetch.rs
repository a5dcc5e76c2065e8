//! The browser transport: one `fetch` per attempt through gloo-net, read to the end, and
//! aborted if the caller stops waiting (as server_fn's own client does).

use gloo_net::http::{RequestBuilder, Response};
use js_sys::Uint8Array;
use leptos::server_fn::{Bytes, redirect::REDIRECT_HEADER};
use wasm_bindgen::JsValue;
use web_sys::{AbortController, AbortSignal};

use super::policy::Transport;
use super::wire::{Body, BufferedResponse, PreparedRequest, TransportError};

pub(crate) struct FetchTransport<'a> {
    request: &'a PreparedRequest,
}

impl<'a> FetchTransport<'a> {
    pub(crate) fn new(request: &'a PreparedRequest) -> Self {
        Self { request }
    }
}

impl Transport for FetchTransport<'_> {
    type Answer = BufferedResponse;
    type Error = TransportError;

    async fn send(&self, bearer: Option<&str>) -> Result<BufferedResponse, TransportError> {
        let abort = AbortOnDrop::new();
        let mut builder = RequestBuilder::new(&self.request.url)
            .method(self.request.method.clone())
            .abort_signal(abort.signal().as_ref());
        for (name, value) in &self.request.headers {
            builder = builder.header(name, value);
        }
        if let Some(token) = bearer {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let request = match &self.request.body {
            None => builder.build(),
            Some(Body::Text(text)) => builder.body(JsValue::from_str(text)),
            Some(Body::Bytes(bytes)) => builder.body(Uint8Array::from(bytes.as_ref())),
        }
        .map_err(failed)?;
        let response = request.send().await.map_err(failed)?;
        let body = response.binary().await.map_err(failed)?;
        abort.disarm();
        Ok(buffered(&response, body))
    }
}

fn buffered(response: &Response, body: Vec<u8>) -> BufferedResponse {
    let headers = response.headers();
    BufferedResponse {
        status: response.status(),
        status_text: response.status_text(),
        url: response.url(),
        location: headers.get("Location"),
        www_authenticate: headers.get("WWW-Authenticate"),
        retry_after: headers.get("Retry-After"),
        server_fn_redirect: headers.has(REDIRECT_HEADER),
        body: Bytes::from(body),
    }
}

fn failed(error: gloo_net::Error) -> TransportError {
    TransportError(error.to_string())
}

/// Aborts the fetch when dropped before [`AbortOnDrop::disarm`]: a dropped request future
/// (a resource that re-ran, a page left) should not keep the network busy.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn new() -> Self {
        Self(AbortController::new().ok())
    }

    fn signal(&self) -> Option<AbortSignal> {
        self.0.as_ref().map(AbortController::signal)
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}
