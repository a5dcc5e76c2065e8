//! Every redirect the server emits stays on the site: the handshake's return, the sign-in and
//! sign-up pages' return, and the guard of the signed-in pages; and no crafted URL drops the
//! connection. Requests go over a raw socket, so that request targets no URL library would
//! send (a `\`, a stray `%`) reach the server as a hand-written link or `curl` sends them.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use proptest::{collection::vec, prelude::*, test_runner::TestRunner};
use sqlx::PgPool;
use url::Url;

use crate::{
    clerk_mock::MockClerk,
    helpers::{TestApp, spawn_clerk_app},
    tokens::*,
};

/// What came back on the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<Vec<u8>>,
    body: Vec<u8>,
}

impl Answer {
    fn location(&self) -> String {
        String::from_utf8(self.location.clone().unwrap_or_default()).unwrap()
    }
}

/// `GET target` as a browser's document navigation, with `extra` header lines. `Err` when the
/// connection fails before a whole response head arrived (reset or closed).
fn raw_get(address: &str, target: &str, extra: &[String]) -> std::io::Result<Answer> {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n\
         Accept: text/html,application/xhtml+xml\r\n"
    );
    for line in extra {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(std::io::Error::other(
            "the connection closed without a response",
        ));
    };
    let head = &raw[..end];
    let mut lines = head.split(|&b| b == b'\n');
    let status_line = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
    let location = lines.find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = line.split_at(colon);
        name.eq_ignore_ascii_case(b"location")
            .then(|| value[1..].trim_ascii().to_vec())
    });
    Ok(Answer {
        status,
        location,
        body: raw[end + 4..].to_vec(),
    })
}

async fn get(app: &TestApp, target: &str, extra: &[String]) -> Answer {
    let (address, target, extra) = (app.address.clone(), target.to_owned(), extra.to_vec());
    tokio::task::spawn_blocking(move || raw_get(&address, &target, &extra))
        .await
        .unwrap()
        .unwrap_or_else(|error| panic!("connection dropped: {error}"))
}

async fn setup(pool: PgPool) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_clerk_app(pool, &clerk, &[]).await;
    (app, clerk)
}

fn signed_in() -> Vec<String> {
    vec![format!(
        "Authorization: Bearer {}",
        Mint::session("user_ada").sign()
    )]
}

/// Where a browser on the app goes when it follows `location`.
fn followed(app: &TestApp, location: &str) -> Url {
    Url::parse(&app.address)
        .unwrap()
        .join(location)
        .unwrap_or_else(|e| panic!("{location:?} does not resolve: {e}"))
}

fn assert_stays_on_the_site(app: &TestApp, answer: &Answer, what: &str) {
    let location = answer.location();
    let own = Url::parse(&app.address).unwrap().origin();
    assert_eq!(
        followed(app, &location).origin(),
        own,
        "{what}: Location {location:?} leaves the site"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_handshake_return_never_leads_to_another_host(pool: PgPool) {
    let (app, _clerk) = setup(pool).await;
    for path in ["//evil.example/", "///evil.example/", "/\\evil.example/"] {
        let answer = get(&app, &format!("{path}?__clerk_handshake=x"), &[]).await;

        assert_eq!(answer.status, 307, "{path}");
        assert_stays_on_the_site(&app, &answer, path);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_return_url_a_browser_reads_as_another_host_goes_to_the_dashboard(pool: PgPool) {
    let (app, _clerk) = setup(pool).await;
    for page in ["/sign-in", "/sign-up"] {
        for value in [
            "/%09/evil.example",
            "/%0A/evil.example",
            "%20//evil.example",
        ] {
            let answer = get(&app, &format!("{page}?redirect_url={value}"), &signed_in()).await;

            assert_eq!(answer.status, 302, "{page} {value}");
            assert_eq!(answer.location(), "/dashboard", "{page} {value}");
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn control_characters_in_a_return_url_do_not_drop_the_connection(pool: PgPool) {
    let (app, _clerk) = setup(pool).await;
    for control in ["%0A", "%0D", "%00", "%01", "%7F"] {
        let target = format!("/sign-in?redirect_url=/projects{control}x");

        let answer = get(&app, &target, &signed_in()).await;

        assert_eq!(answer.status, 302, "{control}");
        assert!(answer.location().starts_with("/projects"), "{control}");
        assert_stays_on_the_site(&app, &answer, control);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_non_ascii_return_path_keeps_its_utf8_percent_encoding(pool: PgPool) {
    let (app, _clerk) = setup(pool).await;

    let answer = get(&app, "/sign-in?redirect_url=/%E3%80%82/x", &signed_in()).await;

    assert_eq!(answer.status, 302);
    assert_eq!(answer.location(), "/%E3%80%82/x");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_out_load_of_a_signed_in_page_is_a_redirect_with_none_of_the_page(pool: PgPool) {
    let (app, _clerk) = setup(pool).await;
    for (target, back) in [
        ("/dashboard", "/sign-in?redirect_url=/dashboard"),
        ("/profile", "/sign-in?redirect_url=/profile"),
        (
            "/dashboard?tab=1",
            "/sign-in?redirect_url=/dashboard%3Ftab%3D1",
        ),
    ] {
        let answer = get(&app, target, &[]).await;

        let body = String::from_utf8_lossy(&answer.body);
        assert!(
            !body.contains("<html") && !body.contains("<main"),
            "{target}: the page was rendered ({}): {body}",
            answer.status
        );
        assert_eq!(answer.status, 307, "{target}");
        assert_eq!(answer.location(), back, "{target}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_in_load_of_a_signed_in_page_renders_it(pool: PgPool) {
    let (app, _clerk) = setup(pool).await;

    let answer = get(&app, "/dashboard", &signed_in()).await;

    assert_eq!(answer.status, 200);
    assert!(answer.location.is_none());
    let body = String::from_utf8_lossy(&answer.body);
    assert!(body.contains("Welcome, "), "{body}");
    assert!(body.contains("Ada"), "{body}");
}

/// Pieces of paths and queries that parsers disagree on, and any character at all.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "/",
            "//",
            "\\",
            ".",
            "..",
            "evil.example",
            ":",
            "@",
            "?",
            "#",
            "%",
            "%2F",
            "%2f",
            "%5C",
            "%09",
            "%0A",
            "%0D",
            "%00",
            "%2E",
            "http:",
            "https://evil.example",
            "\u{3002}",
            "\u{ff3c}",
            "\u{ff0f}",
            "\u{2028}",
            "\u{feff}",
            "\u{a0}",
            "\u{7f}",
            "&",
            "=",
            "redirect_url=",
            "__clerk_handshake=x",
        ])
        .prop_map(str::to_owned),
        // Every C0 control and the space.
        (0u8..=0x20).prop_map(|b| char::from(b).to_string()),
        any::<char>().prop_map(String::from),
    ]
}

fn candidate() -> impl Strategy<Value = String> {
    vec(piece(), 0..8).prop_map(|pieces| pieces.concat())
}

/// As a request target can carry it: bytes no request line may hold are percent-encoded;
/// `\`, `%` and the rest go as they are (hyper refuses some: a 400 is fine too).
fn loose(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            0x21..=0x7e if !b"#\"<>`{}|^".contains(&byte) => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// As a query value: everything but unreserved characters and `/` percent-encoded.
fn component(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn no_location_the_server_emits_leaves_the_site_and_no_request_drops_the_connection(
    pool: PgPool,
) {
    let (app, _clerk) = setup(pool).await;
    let token = signed_in();
    let address = app.address.clone();
    let own = Url::parse(&app.address).unwrap().origin();
    let frontend_api = Url::parse(&format!("https://{FRONTEND_API_HOST}"))
        .unwrap()
        .origin();
    let checked = tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(ProptestConfig {
            cases: 48,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        runner.run(&(candidate(), candidate()), |(path, query)| {
            let requests = [
                // The handshake's return, from any path with any query.
                (
                    format!("/{}?{}&__clerk_handshake=x", loose(&path), loose(&query)),
                    vec![],
                ),
                // The sign-in and sign-up pages' return, signed in.
                (
                    format!("/sign-in?redirect_url={}", component(&path)),
                    token.clone(),
                ),
                (
                    format!("/sign-up?redirect_url={}", loose(&path)),
                    token.clone(),
                ),
                // The guard, signed out, and any page at all.
                (format!("/dashboard?{}", loose(&query)), vec![]),
                (
                    format!("/profile/{}?{}", loose(&path), loose(&query)),
                    vec![],
                ),
                (format!("/{}", loose(&path)), vec![]),
                // A stale session on a navigation: the handshake itself.
                (
                    format!("/{}?{}", loose(&path), loose(&query)),
                    vec!["Cookie: __client_uat=1; __clerk_db_jwt=dvb_test".to_owned()],
                ),
            ];
            for (target, extra) in requests {
                let answer = raw_get(&address, &target, &extra)
                    .map_err(|e| TestCaseError::fail(format!("{target:?}: dropped: {e}")))?;
                prop_assert!(answer.status < 500, "{target:?}: {}", answer.status);
                let Some(location) = &answer.location else {
                    continue;
                };
                let location = std::str::from_utf8(location)
                    .map_err(|_| TestCaseError::fail(format!("{target:?}: Location not UTF-8")))?;
                prop_assert!(
                    location.bytes().all(|b| (0x21..=0x7e).contains(&b)),
                    "{target:?}: Location {location:?} is not printable ASCII"
                );
                let base = Url::parse(&address).unwrap();
                let followed = base.join(location).map_err(|e| {
                    TestCaseError::fail(format!("{target:?}: Location {location:?}: {e}"))
                })?;
                prop_assert!(
                    followed.origin() == own || followed.origin() == frontend_api,
                    "{target:?}: Location {location:?} leaves the site"
                );
            }
            Ok(())
        })
    })
    .await
    .unwrap();
    if let Err(failure) = checked {
        panic!("{failure}");
    }
}
