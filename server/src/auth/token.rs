//! Where a request's session token comes from: the `Authorization` header first, the
//! session cookie second (Clerk's own order). Like Clerk's backend SDK, the cookie names
//! suffixed for the publishable key (`__session_<suffix>`, `__client_uat_<suffix>`, which
//! clerk-js writes so that several apps can share a domain) win over the plain ones.

use app::auth::cookie;
use axum::http::{HeaderMap, header};

/// How the token reached us. Cookie-borne tokens ride along automatically, so requests that
/// change state with one need an origin check (CSRF); header-borne ones were put there by
/// script on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Header,
    Cookie,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundToken<'a> {
    pub token: &'a str,
    pub source: TokenSource,
    /// `__client_uat` (seconds, always positive) when the token came from the cookie:
    /// clerk-js sets it at sign-in and to 0 at sign-out, so a cookie token issued before it
    /// is stale.
    pub client_uat: Option<i64>,
}

/// The session token of a request, if it carries one.
///
/// - `Authorization: Bearer <jwt>` (scheme case-sensitive, like Clerk) or a bare
///   `Authorization: <jwt>`; any other scheme (`Basic …`) means "no token here".
///   `Bearer` with nothing after it is a malformed token, not an absent one.
/// - else the `__session` cookie (the suffixed one first, when `suffix` is known), but only
///   beside a positive `__client_uat`. Clerk's rule (`session-token-but-no-client-uat`,
///   `__client_uat` 0 or unreadable): without proof of an active client the cookie counts as
///   signed out, so a leftover `__session` cookie (one set by hand, or one that survived a
///   sign-out elsewhere) authenticates nobody.
pub(crate) fn find_token<'a>(
    headers: &'a HeaderMap,
    suffix: Option<&str>,
) -> Option<FoundToken<'a>> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or("").trim();
        let token = if let Some(rest) = value.strip_prefix("Bearer") {
            // "Bearer" alone, or "Bearer " + nothing: an empty token, refused later.
            if rest.is_empty() || rest.starts_with(' ') {
                Some(rest.trim())
            } else {
                None
            }
        } else if !value.contains(' ') && !value.is_empty() {
            Some(value)
        } else {
            None
        };
        if let Some(token) = token {
            return Some(FoundToken {
                token,
                source: TokenSource::Header,
                client_uat: None,
            });
        }
    }
    let session = suffixed_cookie(headers, "__session", suffix).filter(|t| !t.is_empty())?;
    let client_uat = suffixed_cookie(headers, "__client_uat", suffix)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|uat| *uat > 0)?;
    Some(FoundToken {
        token: session,
        source: TokenSource::Cookie,
        client_uat: Some(client_uat),
    })
}

/// `__client_uat` (seconds) when it says signed in, whether or not a session cookie rides
/// along: the handshake's cue when the session cookie is gone.
pub(crate) fn signed_in_client_uat(headers: &HeaderMap, suffix: Option<&str>) -> Option<i64> {
    suffixed_cookie(headers, "__client_uat", suffix)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|uat| *uat > 0)
}

/// `<name>_<suffix>` when present, else `<name>`.
fn suffixed_cookie<'a>(
    headers: &'a HeaderMap,
    name: &str,
    suffix: Option<&str>,
) -> Option<&'a str> {
    suffix
        .and_then(|suffix| cookie(headers, &format!("{name}_{suffix}")))
        .or_else(|| cookie(headers, name))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn found(pairs: &[(&'static str, &str)]) -> Option<(String, TokenSource)> {
        let map = headers(pairs);
        find_token(&map, None).map(|f| (f.token.to_owned(), f.source))
    }

    #[test]
    fn bearer_header_is_read() {
        assert_eq!(
            found(&[("authorization", "Bearer a.b.c")]),
            Some(("a.b.c".into(), TokenSource::Header))
        );
    }

    #[test]
    fn a_bare_token_without_scheme_is_read() {
        assert_eq!(
            found(&[("authorization", "a.b.c")]),
            Some(("a.b.c".into(), TokenSource::Header))
        );
    }

    #[test]
    fn other_schemes_and_lowercase_bearer_mean_no_header_token() {
        assert_eq!(found(&[("authorization", "Basic dXNlcjpwdw==")]), None);
        assert_eq!(found(&[("authorization", "bearer a.b.c")]), None);
        assert_eq!(found(&[("authorization", "Bearerx.y.z")]), None);
    }

    #[test]
    fn an_empty_bearer_is_an_empty_token_not_an_absent_one() {
        assert_eq!(
            found(&[("authorization", "Bearer ")]),
            Some((String::new(), TokenSource::Header))
        );
        assert_eq!(
            found(&[("authorization", "Bearer")]),
            Some((String::new(), TokenSource::Header))
        );
    }

    #[test]
    fn the_session_cookie_is_the_fallback() {
        let map = headers(&[(
            "cookie",
            "theme=dark; __session=a.b.c; __client_uat=1700000000",
        )]);
        let token = find_token(&map, None).unwrap();
        assert_eq!(token.token, "a.b.c");
        assert_eq!(token.source, TokenSource::Cookie);
        assert_eq!(token.client_uat, Some(1_700_000_000));
    }

    #[test]
    fn the_header_wins_over_the_cookie() {
        assert_eq!(
            found(&[
                ("authorization", "Bearer h.h.h"),
                ("cookie", "__session=c.c.c; __client_uat=1700000000")
            ]),
            Some(("h.h.h".into(), TokenSource::Header))
        );
    }

    #[test]
    fn a_signed_out_browser_sends_no_cookie_token() {
        assert_eq!(
            found(&[("cookie", "__session=c.c.c; __client_uat=0")]),
            None
        );
        assert_eq!(found(&[("cookie", "__session=")]), None);
        assert_eq!(found(&[("cookie", "other=1")]), None);
    }

    #[test]
    fn a_session_cookie_without_a_client_uat_counts_as_signed_out() {
        assert_eq!(found(&[("cookie", "__session=c.c.c")]), None);
        assert_eq!(
            found(&[("cookie", "__session=c.c.c; __client_uat=soon")]),
            None
        );
        assert_eq!(
            found(&[("cookie", "__session=c.c.c; __client_uat=-5")]),
            None
        );
    }

    #[test]
    fn cookies_split_over_several_headers_are_found() {
        assert_eq!(
            found(&[
                ("cookie", "a=1; __client_uat=1700000000"),
                ("cookie", "__session=c.c.c")
            ]),
            Some(("c.c.c".into(), TokenSource::Cookie))
        );
    }

    #[test]
    fn the_suffixed_session_cookie_wins_over_the_plain_one() {
        let map = headers(&[(
            "cookie",
            "__session=old.old.old; __session_DD-LVX2e=new.new.new; __client_uat=5; __client_uat_DD-LVX2e=7",
        )]);
        let found = find_token(&map, Some("DD-LVX2e")).unwrap();
        assert_eq!(found.token, "new.new.new");
        assert_eq!(found.client_uat, Some(7));
        // Another app's suffix on the same domain is not ours.
        let found = find_token(&map, Some("otherApp")).unwrap();
        assert_eq!(found.token, "old.old.old");
        assert_eq!(found.client_uat, Some(5));
    }

    #[test]
    fn a_signed_out_suffixed_client_uat_means_no_cookie_token() {
        let map = headers(&[(
            "cookie",
            "__session_DD-LVX2e=a.b.c; __client_uat=9; __client_uat_DD-LVX2e=0",
        )]);
        assert_eq!(find_token(&map, Some("DD-LVX2e")), None);
    }
}
