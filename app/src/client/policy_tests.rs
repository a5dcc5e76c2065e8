//! The retry rules, pinned with a fake token source and a fake server that count what happens.

use std::{
    cell::{Cell, RefCell},
    collections::{HashSet, VecDeque},
    rc::Rc,
};

use futures::{
    channel::oneshot,
    executor::{LocalPool, block_on},
    future::{FutureExt, LocalBoxFuture, Shared},
    task::LocalSpawnExt,
};

use super::{AuthPolicy, PolicyAnswer, Refusal, Transport};
use crate::api::reason;
use crate::client::token::{TokenError, TokenProvider};

const REFUSED: &str = r#"Bearer error="invalid_token""#;
const ANONYMOUS: &str = "Bearer";

type Gate = Shared<oneshot::Receiver<()>>;

fn gate() -> (oneshot::Sender<()>, Gate) {
    let (open, wait) = oneshot::channel();
    (open, wait.shared())
}

/// Behaves like clerk-js: a refresh replaces the cached token.
struct Tokens {
    current: RefCell<Option<String>>,
    current_fails: Cell<bool>,
    refresh_gives: RefCell<Result<Option<String>, TokenError>>,
    refresh_waits_for: RefCell<Option<Gate>>,
    gets: Cell<u32>,
    refreshes: Cell<u32>,
}

impl Tokens {
    fn new(current: Option<&str>, refresh_gives: Result<Option<&str>, TokenError>) -> Rc<Self> {
        Rc::new(Self {
            current: RefCell::new(current.map(str::to_owned)),
            current_fails: Cell::new(false),
            refresh_gives: RefCell::new(refresh_gives.map(|t| t.map(str::to_owned))),
            refresh_waits_for: RefCell::new(None),
            gets: Cell::new(0),
            refreshes: Cell::new(0),
        })
    }
}

struct FakeTokens(Rc<Tokens>);

impl TokenProvider for FakeTokens {
    fn token(&self, fresh: bool) -> LocalBoxFuture<'static, Result<Option<String>, TokenError>> {
        let state = self.0.clone();
        async move {
            if !fresh {
                state.gets.set(state.gets.get() + 1);
                if state.current_fails.get() {
                    return Err(TokenError::TimedOut);
                }
                return Ok(state.current.borrow().clone());
            }
            state.refreshes.set(state.refreshes.get() + 1);
            let wait = state.refresh_waits_for.borrow().clone();
            if let Some(wait) = wait {
                let _ = wait.await;
            }
            let outcome = state.refresh_gives.borrow().clone();
            if let Ok(Some(token)) = &outcome {
                *state.current.borrow_mut() = Some(token.clone());
            }
            outcome
        }
        .boxed_local()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct FakeAnswer {
    status: u16,
    www_authenticate: Option<&'static str>,
    reason: Option<&'static str>,
}

/// The policy's own "no fresh token" answer.
const UNAVAILABLE: u16 = 599;

impl PolicyAnswer for FakeAnswer {
    fn status(&self) -> u16 {
        self.status
    }
    fn www_authenticate(&self) -> Option<&str> {
        self.www_authenticate
    }
    fn refusal_reason(&self) -> Option<String> {
        self.reason.map(str::to_owned)
    }
    fn token_unavailable(_error: &TokenError) -> Self {
        Self {
            status: UNAVAILABLE,
            www_authenticate: None,
            reason: None,
        }
    }
}

/// Accepts the tokens in `accepted`, refuses others like the auth layer, and answers an
/// anonymous request with the plain challenge, unless a script or a fixed answer says otherwise.
#[derive(Default)]
struct Server {
    accepted: RefCell<HashSet<String>>,
    anonymous_ok: Cell<bool>,
    always: Cell<Option<FakeAnswer>>,
    script: RefCell<VecDeque<FakeAnswer>>,
    offline: Cell<bool>,
    /// The reason its refusals give (default: expired).
    refusal_reason: Cell<Option<&'static str>>,
    seen: RefCell<Vec<(&'static str, Option<String>)>>,
}

impl Server {
    fn accepting(tokens: &[&str]) -> Rc<Self> {
        let server = Self::default();
        server
            .accepted
            .replace(tokens.iter().map(|t| (*t).to_owned()).collect());
        Rc::new(server)
    }

    fn attempts(&self) -> usize {
        self.seen.borrow().len()
    }

    fn tokens_seen(&self) -> Vec<Option<String>> {
        self.seen.borrow().iter().map(|(_, t)| t.clone()).collect()
    }

    fn answer(&self, bearer: Option<&str>) -> FakeAnswer {
        if let Some(scripted) = self.script.borrow_mut().pop_front() {
            return scripted;
        }
        if let Some(always) = self.always.get() {
            return always;
        }
        let (status, www_authenticate) = match bearer {
            None if self.anonymous_ok.get() => (200, None),
            None => (401, Some(ANONYMOUS)),
            Some(token) if self.accepted.borrow().contains(token) => (200, None),
            Some(_) => (401, Some(REFUSED)),
        };
        let reason = www_authenticate
            .filter(|challenge| *challenge == REFUSED)
            .map(|_| self.refusal_reason.get().unwrap_or(reason::TOKEN_EXPIRED));
        FakeAnswer {
            status,
            www_authenticate,
            reason,
        }
    }
}

struct Request {
    server: Rc<Server>,
    method: &'static str,
    /// Holds the first answer back, to keep the request on the wire while others go on.
    first_answer_waits_for: RefCell<Option<Gate>>,
}

impl Request {
    fn get(server: &Rc<Server>) -> Self {
        Self::new(server, "GET")
    }

    fn new(server: &Rc<Server>, method: &'static str) -> Self {
        Self {
            server: server.clone(),
            method,
            first_answer_waits_for: RefCell::new(None),
        }
    }
}

impl Transport for Request {
    type Answer = FakeAnswer;
    type Error = &'static str;

    async fn send(&self, bearer: Option<&str>) -> Result<FakeAnswer, &'static str> {
        self.server
            .seen
            .borrow_mut()
            .push((self.method, bearer.map(str::to_owned)));
        let wait = self.first_answer_waits_for.borrow_mut().take();
        if let Some(wait) = wait {
            let _ = wait.await;
        }
        if self.server.offline.get() {
            return Err("offline");
        }
        Ok(self.server.answer(bearer))
    }
}

/// Every verdict the policy handed the page.
#[derive(Default)]
struct Verdicts(RefCell<Vec<Refusal>>);

impl Verdicts {
    /// How many times the page was told "signed out".
    fn get(&self) -> usize {
        self.count(Refusal::SignedOut)
    }

    fn count(&self, which: Refusal) -> usize {
        self.0.borrow().iter().filter(|v| **v == which).count()
    }
}

fn policy(tokens: &Rc<Tokens>) -> (AuthPolicy, Rc<Verdicts>) {
    let verdicts = Rc::new(Verdicts::default());
    let record = verdicts.clone();
    let policy = AuthPolicy::new(Rc::new(FakeTokens(tokens.clone())), move |verdict| {
        record.0.borrow_mut().push(verdict)
    });
    (policy, verdicts)
}

fn status_of(result: Result<FakeAnswer, &'static str>) -> u16 {
    result.map(|answer| answer.status).unwrap_or(0)
}

fn some(token: &str) -> Option<String> {
    Some(token.to_owned())
}

#[test]
fn a_refused_token_is_refreshed_once_and_the_request_retried_once() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
    let server = Server::accepting(&["fresh"]);
    let (policy, signed_out) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, 200);
    assert_eq!(server.tokens_seen(), [some("stale"), some("fresh")]);
    assert_eq!(tokens.refreshes.get(), 1);
    assert_eq!(signed_out.get(), 0);
}

#[test]
fn a_second_refusal_signs_out_after_exactly_two_attempts() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
    let server = Server::accepting(&[]);
    let (policy, signed_out) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, 401);
    assert_eq!(server.attempts(), 2);
    assert_eq!(tokens.refreshes.get(), 1);
    assert_eq!(signed_out.get(), 1);
}

#[test]
fn five_concurrent_refusals_share_one_refresh() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
    let (open_refresh, refresh_gate) = gate();
    tokens.refresh_waits_for.replace(Some(refresh_gate));
    let server = Server::accepting(&["fresh"]);
    let (policy, signed_out) = policy(&tokens);
    let statuses = Rc::new(RefCell::new(Vec::new()));
    let mut pool = LocalPool::new();
    for _ in 0..5 {
        let (policy, server, statuses) = (policy.clone(), server.clone(), statuses.clone());
        let task = async move {
            let status = status_of(policy.send(&Request::get(&server)).await);
            statuses.borrow_mut().push(status);
        };
        assert!(pool.spawner().spawn_local(task).is_ok());
    }

    pool.run_until_stalled();
    assert_eq!(
        server.attempts(),
        5,
        "all five were refused before the refresh ended"
    );
    assert_eq!(tokens.refreshes.get(), 1);

    assert!(open_refresh.send(()).is_ok());
    pool.run();
    assert_eq!(*statuses.borrow(), [200; 5]);
    assert_eq!(server.attempts(), 10);
    assert_eq!(
        server.tokens_seen()[5..],
        [
            some("fresh"),
            some("fresh"),
            some("fresh"),
            some("fresh"),
            some("fresh")
        ]
    );
    assert_eq!(tokens.refreshes.get(), 1);
    assert_eq!(signed_out.get(), 0);
}

#[test]
fn a_refusal_that_arrives_after_a_finished_refresh_takes_its_token_without_refreshing_again() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
    let server = Server::accepting(&["fresh"]);
    let (policy, signed_out) = policy(&tokens);
    let (release_slow, slow_gate) = gate();
    let slow = Request::get(&server);
    slow.first_answer_waits_for.replace(Some(slow_gate));
    let slow_status = Rc::new(Cell::new(0));
    let mut pool = LocalPool::new();
    let (p, s) = (policy.clone(), slow_status.clone());
    assert!(
        pool.spawner()
            .spawn_local(async move { s.set(status_of(p.send(&slow).await)) })
            .is_ok()
    );
    pool.run_until_stalled();

    let quick = status_of(block_on(policy.send(&Request::get(&server))));
    assert_eq!(quick, 200);
    assert!(release_slow.send(()).is_ok());
    pool.run();

    assert_eq!(slow_status.get(), 200);
    assert_eq!(tokens.refreshes.get(), 1);
    assert_eq!(server.attempts(), 4);
    assert_eq!(signed_out.get(), 0);
}

#[test]
fn forbidden_not_found_validation_rate_limit_and_server_errors_are_not_retried() {
    for status in [403, 404, 409, 422, 429, 500, 503] {
        let tokens = Tokens::new(Some("token"), Ok(Some("fresh")));
        let server = Server::accepting(&["token"]);
        server.always.set(Some(FakeAnswer {
            status,
            www_authenticate: None,
            reason: None,
        }));
        let (policy, signed_out) = policy(&tokens);

        let answered = status_of(block_on(policy.send(&Request::get(&server))));

        assert_eq!(answered, status);
        assert_eq!(server.attempts(), 1, "status {status}");
        assert_eq!(tokens.refreshes.get(), 0, "status {status}");
        assert_eq!(signed_out.get(), 0, "status {status}");
    }
}

#[test]
fn a_post_is_sent_at_most_twice() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
    let server = Server::accepting(&[]);
    server.always.set(Some(FakeAnswer {
        status: 401,
        www_authenticate: Some(REFUSED),
        reason: None,
    }));
    let (policy, signed_out) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::new(&server, "POST"))));

    assert_eq!(status, 401);
    assert_eq!(
        *server.seen.borrow(),
        [("POST", some("stale")), ("POST", some("fresh"))]
    );
    assert_eq!(signed_out.get(), 1);
}

#[test]
fn a_401_without_the_invalid_token_marker_is_not_retried() {
    // Anonymous: the server answers the plain challenge.
    let tokens = Tokens::new(None, Ok(Some("fresh")));
    let server = Server::accepting(&[]);
    let (policy, signed_out) = policy(&tokens);
    assert_eq!(
        status_of(block_on(policy.send(&Request::get(&server)))),
        401
    );
    assert_eq!(server.attempts(), 1);

    // A handler's own 401 carries no challenge at all.
    let handler = Server::accepting(&["token"]);
    handler.always.set(Some(FakeAnswer {
        status: 401,
        www_authenticate: None,
        reason: None,
    }));
    let tokens_too = Tokens::new(Some("token"), Ok(Some("fresh")));
    let (policy_too, signed_out_too) = self::policy(&tokens_too);
    assert_eq!(
        status_of(block_on(policy_too.send(&Request::get(&handler)))),
        401
    );
    assert_eq!(handler.attempts(), 1);

    assert_eq!(tokens.refreshes.get() + tokens_too.refreshes.get(), 0);
    assert_eq!(signed_out.get() + signed_out_too.get(), 0);
}

#[test]
fn a_failed_refresh_answers_unavailable_without_resending_the_refused_token() {
    for failure in [
        TokenError::TimedOut,
        TokenError::Failed("503 from the Frontend API".into()),
        TokenError::Unavailable("clerk-js missing".into()),
    ] {
        let tokens = Tokens::new(Some("stale"), Err(failure.clone()));
        let server = Server::accepting(&[]);
        let (policy, signed_out) = policy(&tokens);

        let status = status_of(block_on(policy.send(&Request::get(&server))));

        assert_eq!(status, UNAVAILABLE, "{failure:?}");
        assert_eq!(server.tokens_seen(), [some("stale")], "{failure:?}");
        assert_eq!(tokens.refreshes.get(), 1);
        assert_eq!(signed_out.get(), 0, "a failed refresh is no verdict");
    }
}

#[test]
fn refreshes_that_keep_failing_never_sign_out() {
    let tokens = Tokens::new(Some("stale"), Err(TokenError::TimedOut));
    let server = Server::accepting(&[]);
    let (policy, signed_out) = policy(&tokens);

    for _ in 0..3 {
        let status = status_of(block_on(policy.send(&Request::get(&server))));
        assert_eq!(status, UNAVAILABLE);
    }

    assert_eq!(server.attempts(), 3, "one attempt each, never a retry");
    assert_eq!(signed_out.0.borrow().len(), 0);
}

#[test]
fn after_an_outage_the_next_request_refreshes_and_succeeds() {
    let tokens = Tokens::new(Some("stale"), Err(TokenError::TimedOut));
    let server = Server::accepting(&["fresh"]);
    let (policy, signed_out) = policy(&tokens);
    assert_eq!(
        status_of(block_on(policy.send(&Request::get(&server)))),
        UNAVAILABLE
    );

    *tokens.refresh_gives.borrow_mut() = Ok(Some("fresh".into()));
    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, 200);
    assert_eq!(
        server.tokens_seen(),
        [some("stale"), some("stale"), some("fresh")]
    );
    assert_eq!(signed_out.0.borrow().len(), 0);
}

#[test]
fn a_refresh_that_hands_back_the_refused_token_is_not_a_retry() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("stale")));
    let server = Server::accepting(&[]);
    let (policy, signed_out) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, UNAVAILABLE);
    assert_eq!(server.attempts(), 1);
    assert_eq!(signed_out.get(), 0);
}

#[test]
fn a_fresh_token_refused_for_a_reason_sign_in_does_not_cure_is_shown_not_signed_out() {
    for why in [
        reason::CLAIMS_MISSING,
        reason::TOKEN_INVALID_ISSUER,
        reason::TOKEN_INVALID_AUTHORIZED_PARTIES,
        reason::USER_DELETED,
    ] {
        let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
        let server = Server::accepting(&[]);
        server.refusal_reason.set(Some(why));
        let (policy, verdicts) = policy(&tokens);

        let answer = block_on(policy.send(&Request::get(&server))).unwrap();

        assert_eq!(answer.status, 401, "{why}");
        assert_eq!(answer.reason, Some(why), "the caller sees the reason");
        assert_eq!(
            server.tokens_seen(),
            [some("stale"), some("fresh")],
            "{why}"
        );
        assert_eq!(verdicts.0.borrow().len(), 0, "{why}: no sign-out");
    }
}

#[test]
fn a_pending_session_goes_to_session_tasks_instead_of_signing_out() {
    let tokens = Tokens::new(Some("stale"), Ok(Some("fresh")));
    let server = Server::accepting(&[]);
    server.refusal_reason.set(Some(reason::SESSION_PENDING));
    let (policy, verdicts) = policy(&tokens);

    let answer = block_on(policy.send(&Request::get(&server))).unwrap();

    assert_eq!(answer.reason, Some(reason::SESSION_PENDING));
    assert_eq!(verdicts.count(Refusal::SessionPending), 1);
    assert_eq!(verdicts.get(), 0);
}

#[test]
fn a_refresh_that_finds_no_session_signs_out_without_a_retry() {
    let tokens = Tokens::new(Some("stale"), Ok(None));
    let server = Server::accepting(&[]);
    let (policy, signed_out) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, 401);
    assert_eq!(server.attempts(), 1);
    assert_eq!(tokens.refreshes.get(), 1);
    assert_eq!(signed_out.get(), 1);
}

#[test]
fn without_a_token_the_request_goes_out_without_authorization_and_the_server_decides() {
    let tokens = Tokens::new(None, Ok(None));
    let server = Server::accepting(&[]);
    server.anonymous_ok.set(true);
    let (policy, signed_out) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, 200);
    assert_eq!(server.tokens_seen(), [None]);
    assert_eq!(tokens.refreshes.get(), 0);
    assert_eq!(signed_out.get(), 0);
}

#[test]
fn a_failing_token_source_sends_the_request_without_authorization() {
    let tokens = Tokens::new(Some("never-read"), Ok(Some("fresh")));
    tokens.current_fails.set(true);
    let server = Server::accepting(&[]);
    server.anonymous_ok.set(true);
    let (policy, _) = policy(&tokens);

    let status = status_of(block_on(policy.send(&Request::get(&server))));

    assert_eq!(status, 200);
    assert_eq!(server.tokens_seen(), [None]);
    assert_eq!(tokens.gets.get(), 1);
}

#[test]
fn each_request_asks_for_the_current_token() {
    let tokens = Tokens::new(Some("token"), Ok(Some("fresh")));
    let server = Server::accepting(&["token"]);
    let (policy, _) = policy(&tokens);

    for _ in 0..3 {
        assert_eq!(
            status_of(block_on(policy.send(&Request::get(&server)))),
            200
        );
    }

    assert_eq!(tokens.gets.get(), 3);
    assert_eq!(tokens.refreshes.get(), 0);
}

#[test]
fn a_network_failure_comes_back_without_a_retry() {
    let tokens = Tokens::new(Some("token"), Ok(Some("fresh")));
    let server = Server::accepting(&["token"]);
    server.offline.set(true);
    let (policy, signed_out) = policy(&tokens);

    let result = block_on(policy.send(&Request::get(&server)));

    assert_eq!(result, Err("offline"));
    assert_eq!(server.attempts(), 1);
    assert_eq!(tokens.refreshes.get(), 0);
    assert_eq!(signed_out.get(), 0);
}
