//! Query strings as Clerk's SDK writes them: snake_case keys, list values as repeated keys
//! (`email_address=a&email_address=b`), pagination as `limit`/`offset`.

use crate::error::ClerkApiError;

/// Clerk's default page size and its largest.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 500;

/// Parsed pairs of a query string, refusing keys the endpoint does not know so that a
/// filter the emulator lacks is an error, not a silently wrong answer.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>, known: &[&str]) -> Result<Self, ClerkApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        if let Some((key, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(ClerkApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "form_param_unknown",
                "is unknown",
                format!(
                    "{key} is not a query parameter the emulator supports here (supported: {})",
                    known.join(", ")
                ),
            )
            .with_param(key.as_str()));
        }
        Ok(Self { pairs })
    }

    /// Every value of a repeated key.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub(crate) fn one(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        self.one(key) == Some("true")
    }

    fn number(
        &self,
        key: &'static str,
        default: usize,
        max: usize,
    ) -> Result<usize, ClerkApiError> {
        match self.one(key) {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    ClerkApiError::unprocessable(format!(
                        "{key} must be a whole number up to {max}"
                    ))
                    .with_param(key)
                }),
        }
    }

    /// `(limit, offset)`: limit 1..=500, default 10.
    pub(crate) fn page(&self) -> Result<(usize, usize), ClerkApiError> {
        let limit = self.number("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
        if limit == 0 {
            return Err(
                ClerkApiError::unprocessable("limit must be at least 1").with_param("limit")
            );
        }
        Ok((limit, self.number("offset", 0, usize::MAX)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_lists_and_unknown_keys_are_refused() {
        let query = Query::parse(
            Some("email_address=a%40b.co&email_address=c%40d.co&limit=5"),
            &["email_address", "limit"],
        )
        .expect("parsed");
        assert_eq!(query.all("email_address"), ["a@b.co", "c@d.co"]);
        assert_eq!(query.page().expect("page"), (5, 0));
        let refused = Query::parse(Some("phone_number=1"), &["email_address"])
            .err()
            .expect("refused");
        assert_eq!(refused.code, "form_param_unknown");
    }

    #[test]
    fn pages_are_bounded() {
        let page = |q: &str| {
            Query::parse(Some(q), &["limit", "offset"])
                .expect("q")
                .page()
        };
        assert_eq!(page("").expect("default"), (10, 0));
        assert!(page("limit=0").is_err());
        assert!(page("limit=501").is_err());
        assert!(page("offset=-1").is_err());
        assert_eq!(page("limit=500&offset=20").expect("max"), (500, 20));
    }
}
