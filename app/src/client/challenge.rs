//! Telling the auth layer's "this token is no good" from every other 401.
//!
//! The server answers a refused token with `WWW-Authenticate: Bearer error="invalid_token"`
//! (RFC 6750). That header proves the request never reached a handler, so replaying it, even a
//! POST, changes nothing twice. A 401 without it (anonymous request: plain `Bearer`) or from a
//! handler is an answer, not something to retry.

/// Whether an answer is the auth layer refusing the token the request carried.
pub fn is_token_refusal(status: u16, www_authenticate: Option<&str>) -> bool {
    status == 401 && www_authenticate.is_some_and(has_invalid_token_bearer_challenge)
}

/// Parses the header as RFC 7235 challenges: `scheme [param=value, …]`, several challenges
/// separated by commas, values quoted or not, optional whitespace around `=`.
fn has_invalid_token_bearer_challenge(header: &str) -> bool {
    let mut in_bearer = false;
    for item in split_unquoted_commas(header) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let token_end = item.find(|c: char| !is_tchar(c)).unwrap_or(item.len());
        let (first, rest) = item.split_at(token_end);
        let param = if rest.trim_start().starts_with('=') {
            // `name=value` continues the current challenge.
            item
        } else {
            // A new challenge: `scheme` alone or `scheme name=value`.
            in_bearer = first.eq_ignore_ascii_case("bearer");
            rest.trim()
        };
        if in_bearer && is_invalid_token_param(param) {
            return true;
        }
    }
    false
}

fn is_invalid_token_param(param: &str) -> bool {
    let Some((name, value)) = param.split_once('=') else {
        return false;
    };
    name.trim().eq_ignore_ascii_case("error") && unquote(value.trim()) == "invalid_token"
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"') else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Commas inside quoted strings belong to the value, not to the list.
fn split_unquoted_commas(header: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                items.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&header[start..]);
    items
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::is_token_refusal;

    const REFUSED: &str = r#"Bearer error="invalid_token""#;

    #[test]
    fn the_auth_layers_refusal_is_recognised() {
        assert!(is_token_refusal(401, Some(REFUSED)));
    }

    #[test]
    fn refusals_with_more_parameters_or_other_spellings_are_recognised() {
        for header in [
            r#"Bearer realm="populatte", error="invalid_token", error_description="expired""#,
            r#"bearer error=invalid_token"#,
            r#"Bearer error = "invalid_token""#,
            r#"Bearer error_description="a, b", error="invalid_token""#,
            r#"Basic realm="x", Bearer error="invalid_token""#,
        ] {
            assert!(is_token_refusal(401, Some(header)), "{header}");
        }
    }

    #[test]
    fn an_anonymous_401_is_not_a_refusal() {
        for header in [Some("Bearer"), Some(r#"Bearer realm="populatte""#), None] {
            assert!(!is_token_refusal(401, header), "{header:?}");
        }
    }

    #[test]
    fn other_errors_schemes_and_statuses_are_not_refusals() {
        for header in [
            r#"Bearer error="insufficient_scope""#,
            r#"Bearer error_description="invalid_token""#,
            r#"Basic error="invalid_token""#,
            r#"Bearer error="invalid_token_x""#,
        ] {
            assert!(!is_token_refusal(401, Some(header)), "{header}");
        }
        assert!(!is_token_refusal(403, Some(REFUSED)));
    }
}
