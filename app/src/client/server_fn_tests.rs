//! The server-function client's request and answer types, natively: the pieces survive intact,
//! a refused call is replayed by the policy, and errors reach the caller as [`ApiError`].

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use futures::executor::block_on;
use http::Method;
use leptos::prelude::*;
use leptos::server_fn::{Bytes, request::ClientReq, response::ClientRes};

use super::AuthedRequest;
use crate::api::{ApiError, reason};
use crate::client::{
    AuthPolicy, TokenError, TokenProvider,
    policy::Transport,
    wire::{Body, BufferedResponse, PreparedRequest, TransportError},
};

/// Declared like every server function in the app; also proves the client type satisfies
/// server_fn's bounds in this build.
#[server(client = crate::client::AuthedClient)]
pub(crate) async fn echo_for_tests(text: String) -> Result<String, ApiError> {
    Ok(text)
}

fn post(body: &str) -> AuthedRequest {
    <AuthedRequest as ClientReq<ApiError>>::try_new_req_text(
        "/api/echo",
        "application/x-www-form-urlencoded",
        "application/json",
        body.to_owned(),
        Method::POST,
    )
    .unwrap()
}

#[test]
fn a_query_request_keeps_its_url_method_and_headers() {
    let request = <AuthedRequest as ClientReq<ApiError>>::try_new_req_query(
        "/api/profile",
        "application/x-www-form-urlencoded",
        "application/json",
        "id=7",
        Method::GET,
    )
    .unwrap();

    assert_eq!(request.0.method, Method::GET);
    assert_eq!(request.0.url, "/api/profile?id=7");
    assert_eq!(
        request.0.headers,
        [
            (
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            ),
            ("Accept".to_owned(), "application/json".to_owned()),
        ]
    );
    assert_eq!(request.0.body, None);
}

#[test]
fn a_streaming_body_is_refused_because_it_cannot_be_replayed() {
    let refused = <AuthedRequest as ClientReq<ApiError>>::try_new_req_streaming(
        "/api/upload",
        "application/json",
        "application/octet-stream",
        futures::stream::empty::<Bytes>(),
        Method::POST,
    );
    assert!(matches!(refused, Err(ApiError::Network { .. })));
}

/// Answers a refused token once, then echoes the body; records every attempt.
struct EchoServer<'a> {
    request: &'a PreparedRequest,
    attempts: RefCell<Vec<(PreparedRequest, Option<String>)>>,
}

impl Transport for EchoServer<'_> {
    type Answer = BufferedResponse;
    type Error = TransportError;

    async fn send(&self, bearer: Option<&str>) -> Result<BufferedResponse, TransportError> {
        self.attempts
            .borrow_mut()
            .push((self.request.clone(), bearer.map(str::to_owned)));
        if bearer != Some("fresh") {
            let envelope = ApiError::unauthorized(reason::TOKEN_EXPIRED, "expired");
            return Ok(BufferedResponse {
                status: 401,
                www_authenticate: Some(r#"Bearer error="invalid_token""#.into()),
                body: Bytes::from(serde_json::to_vec(&envelope).unwrap()),
                ..BufferedResponse::default()
            });
        }
        let Some(Body::Text(text)) = &self.request.body else {
            return Err(TransportError("no body".into()));
        };
        Ok(BufferedResponse {
            status: 200,
            body: Bytes::from(serde_json::to_vec(text).unwrap()),
            ..BufferedResponse::default()
        })
    }
}

/// `None` is a session that is gone: refreshing finds no token either.
struct Tokens(Option<&'static str>);

impl TokenProvider for Tokens {
    fn token(
        &self,
        fresh: bool,
    ) -> futures::future::LocalBoxFuture<'static, Result<Option<String>, TokenError>> {
        let token = match (self.0, fresh) {
            (Some(_), true) => Some("fresh"),
            (current, _) => current,
        };
        Box::pin(async move { Ok(token.map(str::to_owned)) })
    }
}

#[test]
fn a_refused_server_function_request_is_replayed_with_the_same_pieces() {
    let request = post("text=hello");
    let server = EchoServer {
        request: &request.0,
        attempts: RefCell::default(),
    };
    let policy = AuthPolicy::new(Rc::new(Tokens(Some("stale"))), |_| {});

    let answer = block_on(policy.send(&server)).unwrap();

    let attempts = server.attempts.borrow();
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts[0].0, attempts[1].0,
        "the retry is the same request"
    );
    assert_eq!(attempts[1].1.as_deref(), Some("fresh"));
    let text = block_on(<BufferedResponse as ClientRes<ApiError>>::try_into_string(
        answer,
    ));
    assert_eq!(text.unwrap(), r#""text=hello""#);
}

#[test]
fn a_refusal_without_a_session_reaches_the_caller_as_a_typed_api_error() {
    let request = post("text=hello");
    let server = EchoServer {
        request: &request.0,
        attempts: RefCell::default(),
    };
    let signed_out = Rc::new(Cell::new(false));
    let flag = signed_out.clone();
    let policy = AuthPolicy::new(Rc::new(Tokens(None)), move |_| flag.set(true));

    let answer = block_on(policy.send(&server)).unwrap();

    assert_eq!(
        server.attempts.borrow().len(),
        1,
        "no session: nothing to retry with"
    );
    assert!(signed_out.get());
    assert_eq!(
        <BufferedResponse as ClientRes<ApiError>>::status(&answer),
        401
    );
    let bytes = block_on(<BufferedResponse as ClientRes<ApiError>>::try_into_bytes(
        answer,
    ));
    let error = <ApiError as FromServerFnError>::de(bytes.unwrap());
    assert_eq!(error.reason(), Some(reason::TOKEN_EXPIRED));
}

/// What server_fn makes of an error answer: it decodes the body alone.
fn server_fn_error(answer: BufferedResponse) -> ApiError {
    let answer = answer.with_error_envelope();
    let bytes = block_on(<BufferedResponse as ClientRes<ApiError>>::try_into_bytes(
        answer,
    ));
    <ApiError as FromServerFnError>::de(bytes.unwrap())
}

fn raw(status: u16, body: &'static str, retry_after: Option<&str>) -> BufferedResponse {
    BufferedResponse {
        status,
        body: Bytes::from_static(body.as_bytes()),
        retry_after: retry_after.map(str::to_owned),
        ..BufferedResponse::default()
    }
}

#[test]
fn a_proxys_html_502_reaches_a_server_function_as_unavailable_like_rest() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let error = server_fn_error(raw(502, html, None));
    assert!(matches!(error, ApiError::Unavailable { .. }), "{error:?}");
    assert_eq!(error, ApiError::from_response(502, html.as_bytes()));
}

#[test]
fn a_bare_413_and_408_keep_their_kind_in_server_functions() {
    assert_eq!(
        server_fn_error(raw(413, "Request Entity Too Large", None)),
        ApiError::bad_request("The request is too large.")
    );
    let timeout = server_fn_error(raw(408, "", None));
    assert_eq!(timeout, ApiError::from_status(408));
    assert!(matches!(timeout, ApiError::Unavailable { .. }));
}

#[test]
fn a_server_function_503_with_retry_after_carries_the_wait() {
    let error = server_fn_error(raw(503, "busy", Some("12")));
    assert_eq!(error.retry_after_secs(), Some(12));
}

#[test]
fn the_apis_own_envelope_is_left_as_it_is() {
    let envelope = ApiError::conflict("name", "taken");
    let body = serde_json::to_vec(&envelope).unwrap();
    let answer = BufferedResponse {
        status: 409,
        body: Bytes::from(body.clone()),
        ..BufferedResponse::default()
    }
    .with_error_envelope();
    assert_eq!(answer.body.as_ref(), body.as_slice());
    assert_eq!(server_fn_error(answer), envelope);
}

#[test]
fn a_refresh_that_fails_reaches_the_server_function_as_unavailable() {
    struct Failing;
    impl TokenProvider for Failing {
        fn token(
            &self,
            fresh: bool,
        ) -> futures::future::LocalBoxFuture<'static, Result<Option<String>, TokenError>> {
            Box::pin(async move {
                if fresh {
                    Err(TokenError::TimedOut)
                } else {
                    Ok(Some("stale".to_owned()))
                }
            })
        }
    }
    let request = post("text=hello");
    let server = EchoServer {
        request: &request.0,
        attempts: RefCell::default(),
    };
    let signed_out = Rc::new(Cell::new(false));
    let flag = signed_out.clone();
    let policy = AuthPolicy::new(Rc::new(Failing), move |_| flag.set(true));

    let answer = block_on(policy.send(&server)).unwrap();

    assert_eq!(
        server.attempts.borrow().len(),
        1,
        "no retry with the refused token"
    );
    assert!(!signed_out.get());
    let error = server_fn_error(answer);
    assert!(matches!(error, ApiError::Unavailable { .. }), "{error:?}");
    assert!(error.user_message().contains("temporarily unavailable"));
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
#[test]
fn a_declared_server_function_is_sent_through_the_authed_client() {
    let result = block_on(echo_for_tests("hi".into()));
    let Err(ApiError::Network { message }) = result else {
        panic!("expected the native client's refusal, got {result:?}");
    };
    assert!(message.contains("/api/echo_for_tests"), "{message}");
}
