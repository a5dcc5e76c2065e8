//! The typed REST client for the JSON API: `Result<T, ApiError>` out, every request under the
//! shared [`AuthPolicy`](super::AuthPolicy).

use std::future::Future;

use http::Method;
use serde::{Serialize, de::DeserializeOwned};

use super::wire::{Body, PreparedRequest};
use crate::api::ApiError;

const JSON: &str = "application/json";

/// `ApiClient::new().get::<UserProfile>("/api/me").await`.
///
/// It holds no browser state, so it is `Send + Sync` and its futures are `Send`, as `Action`
/// and `spawn` want. It only sends from the browser: use it in a `LocalResource`, an action or
/// an event handler. Elsewhere it answers [`ApiError::Network`], so a `Resource` (which also
/// runs during server rendering) would render that error; data for the first paint comes
/// from server functions.
#[derive(Debug, Clone, Default)]
pub struct ApiClient {
    base_url: String,
}

impl ApiClient {
    /// Same origin as the page: paths like `/api/me`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Another origin, e.g. `https://api.example.com` (no trailing slash).
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
        }
    }

    // `use<…>`: the futures own everything they need, so they outlive `self` and `path`.
    pub fn get<T>(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<T, ApiError>> + Send + 'static + use<T>
    where
        T: DeserializeOwned + 'static,
    {
        run(Ok(self.request(Method::GET, path)))
    }

    pub fn post<B, T>(
        &self,
        path: &str,
        body: &B,
    ) -> impl Future<Output = Result<T, ApiError>> + Send + 'static + use<B, T>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned + 'static,
    {
        run(self.with_json(Method::POST, path, body))
    }

    pub fn patch<B, T>(
        &self,
        path: &str,
        body: &B,
    ) -> impl Future<Output = Result<T, ApiError>> + Send + 'static + use<B, T>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned + 'static,
    {
        run(self.with_json(Method::PATCH, path, body))
    }

    /// Usually `delete::<()>`: a 204 decodes as unit.
    pub fn delete<T>(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<T, ApiError>> + Send + 'static + use<T>
    where
        T: DeserializeOwned + 'static,
    {
        run(Ok(self.request(Method::DELETE, path)))
    }

    fn request(&self, method: Method, path: &str) -> PreparedRequest {
        PreparedRequest::new(method, format!("{}{path}", self.base_url)).header("Accept", JSON)
    }

    fn with_json<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<PreparedRequest, ApiError> {
        let json = serde_json::to_string(body)
            .map_err(|_| ApiError::bad_request("The request could not be encoded."))?;
        Ok(self
            .request(method, path)
            .header("Content-Type", JSON)
            .body(Body::Text(json)))
    }
}

#[cfg(feature = "hydrate")]
fn run<T>(
    request: Result<PreparedRequest, ApiError>,
) -> impl Future<Output = Result<T, ApiError>> + Send + 'static
where
    T: DeserializeOwned + 'static,
{
    use super::fetch::FetchTransport;
    // The browser has one thread; the wrapper only lets the future into `Send` APIs.
    send_wrapper::SendWrapper::new(async move {
        let request = request?;
        let answer = super::policy()
            .send(&FetchTransport::new(&request))
            .await
            .map_err(|error| {
                leptos::logging::warn!("{} {} failed: {error}", request.method, request.url);
                ApiError::Network {
                    message: "Could not reach the server. Check your connection and try again."
                        .into(),
                }
            })?;
        let answer = answer.with_error_envelope();
        decode_answer(answer.status, &answer.body)
    })
}

#[cfg(not(feature = "hydrate"))]
async fn run<T>(request: Result<PreparedRequest, ApiError>) -> Result<T, ApiError>
where
    T: DeserializeOwned + 'static,
{
    request?;
    Err(ApiError::Network {
        message: "The API client only runs in the browser.".into(),
    })
}

/// A 2xx body as `T` (an empty body or 204 as JSON `null`, so `()` and `Option` fit); any
/// other status as the typed error from its envelope.
pub fn decode_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, body));
    }
    let body = if status == 204 || body.is_empty() {
        b"null".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| ApiError::Decode {
        message: format!("The server's answer could not be read: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::api::reason;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Thing {
        name: String,
    }

    #[test]
    fn a_json_answer_decodes_into_the_type() {
        let thing: Thing = decode_answer(200, br#"{"name":"ada"}"#).unwrap();
        assert_eq!(thing, Thing { name: "ada".into() });
    }

    #[test]
    fn no_content_decodes_as_unit_or_none() {
        decode_answer::<()>(204, b"").unwrap();
        assert_eq!(decode_answer::<Option<Thing>>(204, b"").unwrap(), None);
        decode_answer::<()>(200, b"").unwrap();
    }

    #[test]
    fn a_body_that_does_not_fit_the_type_is_a_decode_error() {
        assert!(matches!(
            decode_answer::<Thing>(200, b"<html>"),
            Err(ApiError::Decode { .. })
        ));
        assert!(matches!(
            decode_answer::<Thing>(204, b""),
            Err(ApiError::Decode { .. })
        ));
    }

    #[test]
    fn an_error_status_is_the_typed_error_from_its_envelope() {
        let body = serde_json::to_vec(&ApiError::unauthorized(reason::TOKEN_EXPIRED, "x")).unwrap();
        assert_eq!(
            decode_answer::<Thing>(401, &body).unwrap_err().reason(),
            Some(reason::TOKEN_EXPIRED)
        );
        assert!(matches!(
            decode_answer::<Thing>(404, b""),
            Err(ApiError::NotFound { .. })
        ));
        assert!(matches!(
            decode_answer::<Thing>(422, br#"{"error":{"code":"validation_failed","message":"m","fields":{"name":["short"]}}}"#),
            Err(ApiError::Validation { .. })
        ));
    }

    #[test]
    fn json_bodies_are_sent_with_their_content_type() {
        let request = ApiClient::with_base_url("https://api.test")
            .with_json(
                Method::POST,
                "/api/things",
                &serde_json::json!({"name": "ada"}),
            )
            .unwrap();
        assert_eq!(request.url, "https://api.test/api/things");
        assert_eq!(request.method, Method::POST);
        assert!(
            request
                .headers
                .contains(&("Content-Type".into(), JSON.into()))
        );
        assert_eq!(request.body, Some(Body::Text(r#"{"name":"ada"}"#.into())));
    }

    #[cfg(not(feature = "hydrate"))]
    #[test]
    fn outside_the_browser_the_client_answers_a_network_error() {
        let result = futures::executor::block_on(ApiClient::new().get::<Thing>("/api/me"));
        assert!(matches!(result, Err(ApiError::Network { .. })));
    }
}
