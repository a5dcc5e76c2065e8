//! Security headers: a Content-Security-Policy on every page, and the headers every answer
//! carries (`X-Content-Type-Options`, `Referrer-Policy`, `frame-ancestors`, and HSTS when the
//! browser used https, as a trusted proxy reports it).
//!
//! The page policy allows scripts from exactly two places: the app's own origin and Clerk's
//! Frontend API (the host in the publishable key, where clerk-js and its API live). Through a
//! proxy on the app's own origin (the Frontend API proxy, or the emulator under `/__clerk`)
//! that is the app's own origin alone; through a proxy elsewhere, the proxy's origin. Leptos's inline hydration
//! scripts carry a per-response nonce (Leptos generates one for every render and puts it on
//! the scripts it writes), so no `'unsafe-inline'` is needed for scripts.
//!
//! Images are the one exception to "scripts, connections and frames from the Frontend API
//! only": in Clerk mode profile images come from Clerk's image CDN (`https://img.clerk.com`),
//! which no Frontend API proxy carries, so `img-src` names it, proxy or not. Without it every
//! avatar (the app's and Clerk's components') would be blocked. Images only, never scripts.

use app::ClerkScript;
use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use url::Url;

use crate::http::BrowserOrigin;

/// The Content-Security-Policy of server-rendered pages, fixed at start-up but for the nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PagePolicy {
    /// Origins besides `'self'` that may serve scripts, be connected to and be framed (the
    /// Frontend API host, and the origins of a `CLERK_JS_URL` or `CLERK_UI_URL` set
    /// elsewhere).
    clerk_origins: Vec<String>,
    /// Real Clerk (not the emulator): profile images come from Clerk's image CDN.
    clerk_images: bool,
    /// `cargo leptos watch`'s live-reload socket, when it is running.
    live_reload: Option<String>,
}

impl PagePolicy {
    /// `emulated`: the emulator serves Clerk from this origin, so no other is allowed.
    /// `live_reload_port`: set when the process runs under `cargo leptos watch`.
    pub(crate) fn new(clerk: &ClerkScript, emulated: bool, live_reload_port: Option<u32>) -> Self {
        let mut clerk_origins = Vec::new();
        if !emulated && let Some(origin) = frontend_api_origin(clerk) {
            clerk_origins.push(origin);
        }
        // An absolute script URL (real Clerk) adds its origin; a relative one is ours.
        for script in [&clerk.script_url, &clerk.ui_script_url] {
            if !emulated && let Ok(url) = Url::parse(script) {
                let origin = url.origin().ascii_serialization();
                if !clerk_origins.contains(&origin) && origin != "null" {
                    clerk_origins.push(origin);
                }
            }
        }
        Self {
            clerk_origins,
            clerk_images: !emulated,
            live_reload: live_reload_port.map(|port| format!("ws://*:{port} wss://*:{port}")),
        }
    }

    /// Reads the live-reload setting the way Leptos's `AutoReload` does.
    pub(crate) fn live_reload_port(options: &leptos::config::LeptosOptions) -> Option<u32> {
        std::env::var("LEPTOS_WATCH")
            .is_ok()
            .then(|| options.reload_external_port.unwrap_or(options.reload_port))
    }

    /// The header value for one response, with that response's nonce.
    pub(crate) fn header_value(&self, nonce: &str) -> String {
        let clerk = self.clerk_origins.join(" ");
        let space = if clerk.is_empty() { "" } else { " " };
        let reload = self
            .live_reload
            .as_deref()
            .map(|sources| format!(" {sources}"))
            .unwrap_or_default();
        // Clerk serves profile images from its image CDN, not the Frontend API host (and not
        // through a proxy); images only, never scripts. The emulator serves its avatars itself.
        let images = if self.clerk_images {
            " https://img.clerk.com"
        } else {
            ""
        };
        // `'wasm-unsafe-eval'` lets the page compile its own WebAssembly and nothing else;
        // inline styles stay allowed because clerk-js injects its component styles.
        format!(
            "default-src 'self'; \
             script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{space}{clerk}; \
             connect-src 'self'{space}{clerk}{reload}; \
             frame-src 'self'{space}{clerk}; \
             img-src 'self' data:{space}{clerk}{images}; \
             style-src 'self' 'unsafe-inline'; \
             worker-src 'self' blob:; \
             font-src 'self'; \
             object-src 'none'; \
             base-uri 'self'; \
             form-action 'self'; \
             frame-ancestors 'none'"
        )
    }

    /// Called in the Leptos context of every rendered page: puts the policy, with the nonce
    /// Leptos generated for this render, on the response.
    pub(crate) fn apply(&self) {
        let (Some(nonce), Some(response)) = (
            leptos::nonce::use_nonce(),
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        ) else {
            return;
        };
        if let Ok(value) = HeaderValue::from_str(&self.header_value(&nonce)) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// Where clerk-js reaches the Frontend API: the proxy's origin when a proxy URL is absolute,
/// none (the page's own) when it is a path, else the publishable key's host.
fn frontend_api_origin(clerk: &ClerkScript) -> Option<String> {
    match &clerk.proxy_url {
        Some(proxy) => Url::parse(proxy)
            .ok()
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null"),
        None => frontend_api_host(&clerk.publishable_key).map(|host| format!("https://{host}")),
    }
}

/// The Frontend API host of a publishable key, as a bare host (no scheme).
fn frontend_api_host(publishable_key: &str) -> Option<String> {
    crate::config::PublishableKey::parse(publishable_key)
        .ok()
        .map(|key| key.frontend_api_host().to_owned())
        // Only a plain DNS name or IP with an optional port may go into a policy.
        .filter(|host| {
            host.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        })
}

/// Two years, as the HSTS preload list asks.
const HSTS: &str = "max-age=63072000";

/// The headers every answer carries. Pages get their full policy from [`PagePolicy::apply`];
/// any other answer without one gets a policy that allows nothing and no framing.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let https = BrowserOrigin::of(&request).is_https();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_default(
        headers,
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    set_default(
        headers,
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // For browsers that predate `frame-ancestors`.
    set_default(
        headers,
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let fallback = if is_html {
        // An HTML answer that is not one of our pages (the emulator's): no framing.
        "frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    set_default(
        headers,
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(fallback),
    );
    if https {
        set_default(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: header::HeaderName, value: HeaderValue) {
    headers.entry(name).or_insert(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk(publishable_key: &str, script_url: &str) -> ClerkScript {
        ClerkScript {
            publishable_key: publishable_key.into(),
            script_url: script_url.into(),
            proxy_url: None,
            ui_script_url: String::new(),
        }
    }

    const PK: &str = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk";

    fn directive<'a>(policy: &'a str, name: &str) -> Vec<&'a str> {
        policy
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
            .map(|rest| rest.split_whitespace().collect())
            .unwrap_or_default()
    }

    #[test]
    fn scripts_come_from_this_origin_and_the_frontend_api_host_only() {
        let policy = PagePolicy::new(
            &clerk(
                PK,
                "https://foo-bar-13.clerk.accounts.dev/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
            ),
            false,
            None,
        )
        .header_value("n0nce");
        assert_eq!(
            directive(&policy, "script-src"),
            [
                "'self'",
                "'nonce-n0nce'",
                "'wasm-unsafe-eval'",
                "https://foo-bar-13.clerk.accounts.dev"
            ]
        );
        assert_eq!(
            directive(&policy, "connect-src"),
            ["'self'", "https://foo-bar-13.clerk.accounts.dev"]
        );
        assert_eq!(directive(&policy, "frame-ancestors"), ["'none'"]);
        assert_eq!(directive(&policy, "object-src"), ["'none'"]);
        assert!(!directive(&policy, "script-src").contains(&"'unsafe-inline'"));
    }

    #[test]
    fn the_emulator_allows_this_origin_alone() {
        let policy =
            PagePolicy::new(&clerk(PK, "/__clerk/clerk.browser.js"), true, None).header_value("n");
        assert_eq!(
            directive(&policy, "script-src"),
            ["'self'", "'nonce-n'", "'wasm-unsafe-eval'"]
        );
        assert_eq!(directive(&policy, "connect-src"), ["'self'"]);
        assert_eq!(directive(&policy, "img-src"), ["'self'", "data:"]);
    }

    #[test]
    fn a_clerk_js_url_elsewhere_adds_its_origin_and_a_relative_one_adds_nothing() {
        let elsewhere =
            PagePolicy::new(&clerk(PK, "https://cdn.example.com/clerk.js"), false, None)
                .header_value("n");
        assert!(directive(&elsewhere, "script-src").contains(&"https://cdn.example.com"));
        let relative = PagePolicy::new(
            &clerk("pk_nonsense", "/__clerk/clerk.browser.js"),
            false,
            None,
        )
        .header_value("n");
        assert_eq!(
            directive(&relative, "script-src"),
            ["'self'", "'nonce-n'", "'wasm-unsafe-eval'"]
        );
    }

    #[test]
    fn through_the_frontend_api_proxy_the_page_names_no_origin_but_its_own() {
        let script = ClerkScript {
            publishable_key: PK.into(),
            script_url: "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js".into(),
            proxy_url: Some("/__clerk".into()),
            ui_script_url: "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js".into(),
        };
        let policy = PagePolicy::new(&script, false, None).header_value("n");
        for name in [
            "default-src",
            "script-src",
            "connect-src",
            "frame-src",
            "worker-src",
        ] {
            let sources = directive(&policy, name);
            assert!(
                sources.iter().all(|s| s.starts_with('\'') || *s == "blob:"),
                "{name}: {sources:?}"
            );
        }
        // Images: Clerk's image CDN besides the page's own, as without a proxy.
        assert_eq!(
            directive(&policy, "img-src"),
            ["'self'", "data:", "https://img.clerk.com"]
        );
        assert_eq!(policy.matches("https://").count(), 1, "{policy}");
    }

    #[test]
    fn a_proxy_elsewhere_is_the_one_clerk_origin() {
        let script = ClerkScript {
            publishable_key: PK.into(),
            script_url:
                "https://edge.example.com/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
                    .into(),
            proxy_url: Some("https://edge.example.com/__clerk".into()),
            ui_script_url: "https://edge.example.com/__clerk/npm/@clerk/ui@1/dist/ui.browser.js"
                .into(),
        };
        let policy = PagePolicy::new(&script, false, None).header_value("n");
        assert!(directive(&policy, "connect-src").contains(&"https://edge.example.com"));
        assert!(!policy.contains("clerk.accounts.dev"), "{policy}");
    }

    #[test]
    fn a_clerk_ui_url_elsewhere_adds_its_origin() {
        let mut script = clerk(PK, "/clerk.js");
        script.ui_script_url = "https://ui.example.com/ui.browser.js".into();
        let policy = PagePolicy::new(&script, false, None).header_value("n");
        assert!(directive(&policy, "script-src").contains(&"https://ui.example.com"));
        let emulated = PagePolicy::new(&script, true, None).header_value("n");
        assert!(!emulated.contains("ui.example.com"));
    }
}
