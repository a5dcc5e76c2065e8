//! `Cache-Control` for dynamic answers that do not set their own.
//!
//! Pages are rendered per person (the `__session` cookie): a shared cache must never keep
//! one, and the browser must ask again before showing a kept copy. API and server-function
//! JSON carries personal data and is not worth keeping at all. Other answers (the built
//! assets, the emulator's scripts, the favicon) decide for themselves.

use axum::http::{HeaderValue, Response, header::CACHE_CONTROL};
use tower_http::set_header::SetResponseHeaderLayer;

pub(crate) const HTML_POLICY: HeaderValue = HeaderValue::from_static("private, no-cache");
pub(crate) const JSON_POLICY: HeaderValue = HeaderValue::from_static("no-store");

type Policy<B> = fn(&Response<B>) -> Option<HeaderValue>;

pub fn cache_policy_layer<B>() -> SetResponseHeaderLayer<Policy<B>> {
    SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, policy_for::<B>)
}

fn policy_for<B>(response: &Response<B>) -> Option<HeaderValue> {
    let essence = super::content_type_essence(response)?;
    match essence.as_str() {
        "text/html" => Some(HTML_POLICY),
        "application/json" | "application/problem+json" => Some(JSON_POLICY),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::CONTENT_TYPE;

    fn with_type(content_type: &str) -> Response<()> {
        Response::builder()
            .header(CONTENT_TYPE, content_type)
            .body(())
            .unwrap()
    }

    #[test]
    fn pages_are_private_and_revalidated() {
        let policy = policy_for(&with_type("text/html; charset=utf-8")).unwrap();
        assert_eq!(policy, "private, no-cache");
    }

    #[test]
    fn json_is_never_stored() {
        assert_eq!(
            policy_for(&with_type("application/json")).unwrap(),
            "no-store"
        );
        assert_eq!(
            policy_for(&with_type("Application/JSON; charset=utf-8")).unwrap(),
            "no-store"
        );
    }

    #[test]
    fn scripts_images_and_untyped_answers_are_left_alone() {
        assert_eq!(policy_for(&with_type("text/javascript")), None);
        assert_eq!(policy_for(&with_type("image/svg+xml")), None);
        assert_eq!(policy_for(&Response::new(())), None);
    }
}
