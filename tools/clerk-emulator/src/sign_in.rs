//! The sign-in page: pick an existing user or sign up, then go back to the app. Server-rendered,
//! styled inline, no external assets, usable with a keyboard, a screen reader and a phone.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use url::Url;

use crate::http::{
    CLIENT_COOKIE, CLIENT_UAT_COOKIE, Cookie, LONG_COOKIE_SECS, SESSION_COOKIE, escape_html,
    read_cookie,
};
use crate::store::{NewUser, User, validate_email, validate_name};
use crate::{Emulator, TokenOptions};

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    redirect_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    user_id: String,
    redirect_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    email_address: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    redirect_url: Option<String>,
}

/// What the page shows besides the users: a notice, and the sign-up form's values and errors.
#[derive(Default)]
struct View<'a> {
    redirect_url: &'a str,
    notice: Option<&'a str>,
    form: Option<&'a SignUpForm>,
    errors: Vec<(&'static str, String)>,
}

pub async fn page(State(emulator): State<Emulator>, Query(query): Query<PageQuery>) -> Response {
    render(
        &emulator,
        StatusCode::OK,
        &View {
            redirect_url: query.redirect_url.as_deref().unwrap_or_default(),
            ..View::default()
        },
    )
}

pub async fn sign_in(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let redirect_url = form.redirect_url.as_deref().unwrap_or_default();
    if emulator
        .read_state(|data| data.user(&form.user_id).cloned())
        .is_err()
    {
        return render(
            &emulator,
            StatusCode::NOT_FOUND,
            &View {
                redirect_url,
                notice: Some("That account no longer exists. Choose another one or create one."),
                ..View::default()
            },
        );
    }
    start_session(&emulator, &headers, &form.user_id, redirect_url).await
}

pub async fn sign_up(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Form(form): Form<SignUpForm>,
) -> Response {
    let redirect_url = form.redirect_url.as_deref().unwrap_or_default();
    let mut errors = Vec::new();
    let email = match validate_email(&form.email_address) {
        Ok(email) => Some(email),
        Err(message) => {
            errors.push(("email_address", message.to_owned()));
            None
        }
    };
    if let Some(email) = &email {
        let taken = emulator.read_state(|data| {
            data.users
                .iter()
                .any(|u| u.email_address.eq_ignore_ascii_case(email))
        });
        if taken {
            errors.push((
                "email_address",
                "An account with this email address already exists. Choose it above to continue."
                    .to_owned(),
            ));
        }
    }
    for (field, value, missing) in [
        ("first_name", &form.first_name, "Enter your first name."),
        ("last_name", &form.last_name, "Enter your last name."),
    ] {
        match validate_name(Some(value)) {
            Ok(Some(_)) => {}
            Ok(None) => errors.push((field, missing.to_owned())),
            Err(message) => errors.push((field, message.to_owned())),
        }
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return render(
            &emulator,
            StatusCode::UNPROCESSABLE_ENTITY,
            &View {
                redirect_url,
                form: Some(&form),
                errors,
                ..View::default()
            },
        );
    };
    let new = NewUser {
        id: None,
        email_address: email,
        first_name: Some(form.first_name.clone()),
        last_name: Some(form.last_name.clone()),
        image_url: None,
        password: None,
        skip_password_checks: false,
    };
    let created = emulator
        .mutate::<_, crate::EmulatorError>(|data, now| {
            let event = data.create_user(new, now)?;
            let id = match &event {
                crate::store::UserEvent::Created(user) => user.id.clone(),
                _ => String::new(),
            };
            Ok((id, vec![event]))
        })
        .await;
    match created {
        Ok(id) => start_session(&emulator, &headers, &id, redirect_url).await,
        Err(error) => {
            // Lost a race for the same email, or the state file could not be written.
            render(
                &emulator,
                StatusCode::UNPROCESSABLE_ENTITY,
                &View {
                    redirect_url,
                    form: Some(&form),
                    errors: vec![("email_address", error.to_string())],
                    ..View::default()
                },
            )
        }
    }
}

/// Starts a session for the browser, sets its cookies, and sends it back to the app.
async fn start_session(
    emulator: &Emulator,
    headers: &HeaderMap,
    user_id: &str,
    redirect_url: &str,
) -> Response {
    let cookie = read_cookie(headers, CLIENT_COOKIE);
    let signed_in = emulator
        .mutate::<_, crate::EmulatorError>(|data, now| {
            let (client, session) = data.sign_in(cookie.as_deref(), user_id, now)?;
            Ok(((client, session), Vec::new()))
        })
        .await;
    let (client, session) = match signed_in {
        Ok(pair) => pair,
        Err(error) => return failure(emulator, &error.to_string()),
    };
    let target = redirect_target(emulator, redirect_url);
    // The token is for the app the browser returns to, so that app is its authorised party.
    let azp = target
        .as_ref()
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|| emulator.inner.origin.clone());
    let options = TokenOptions {
        azp: Some(azp),
        ..TokenOptions::default()
    };
    let minted = match emulator.mint_checked(user_id, Some(&session.id), &options) {
        Ok(minted) => minted,
        Err(error) => return failure(emulator, &error.to_string()),
    };
    let location = target.map_or_else(|| "/".to_owned(), String::from);
    let uat = (client.updated_at / 1000).to_string();
    let cookies = [
        Cookie {
            name: CLIENT_COOKIE,
            value: &client.cookie,
            path: &emulator.inner.base_path,
            http_only: true,
            max_age: Some(LONG_COOKIE_SECS),
        },
        // Set here too, not only by the script, so that the very first page load after the
        // redirect is already signed in, as after Clerk's own redirect flow.
        Cookie {
            name: SESSION_COOKIE,
            value: &minted.jwt,
            path: "/",
            http_only: false,
            max_age: Some(LONG_COOKIE_SECS),
        },
        Cookie {
            name: CLIENT_UAT_COOKIE,
            value: &uat,
            path: "/",
            http_only: false,
            max_age: Some(LONG_COOKIE_SECS),
        },
    ];
    let mut response = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store");
    for cookie in &cookies {
        if let Some(value) = cookie.header() {
            response = response.header(header::SET_COOKIE, value);
        }
    }
    response
        .body(axum::body::Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The redirect target when it is on the emulator's origin or an allowed one; an open
/// redirect would let any site bounce a freshly signed-in user anywhere.
pub fn redirect_target(emulator: &Emulator, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let url = emulator.inner.base_url.join(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    emulator
        .origin_allowed(&url.origin().ascii_serialization())
        .then_some(url)
}

fn failure(emulator: &Emulator, message: &str) -> Response {
    tracing::error!(message, "clerk emulator sign-in failed");
    render(
        emulator,
        StatusCode::INTERNAL_SERVER_ERROR,
        &View {
            notice: Some("Signing in failed inside the emulator; its log says why. Try again."),
            ..View::default()
        },
    )
}

fn render(emulator: &Emulator, status: StatusCode, view: &View<'_>) -> Response {
    let base = emulator.base();
    let base_path = &emulator.inner.base_path;
    let users: Vec<User> = emulator.read_state(|data| data.users.clone());
    let redirect = escape_html(view.redirect_url);
    let mut html = String::with_capacity(8 * 1024);
    html.push_str(HEAD);
    html.push_str(
        "<main>\n<p class=\"badge\">Clerk emulator · offline, for development only</p>\n<h1>Sign in</h1>\n\
         <p class=\"lead\">Choose an account or create one. There is no password: this page stands in for Clerk on your machine.</p>\n",
    );
    if let Some(notice) = view.notice {
        html.push_str(&format!(
            "<div class=\"notice\" role=\"alert\"><p>{}</p></div>\n",
            escape_html(notice)
        ));
    }
    if !view.errors.is_empty() {
        html.push_str("<div class=\"notice\" role=\"alert\" aria-labelledby=\"problems\">\n<h2 id=\"problems\">Please fix the following</h2>\n<ul>\n");
        for (field, message) in &view.errors {
            html.push_str(&format!(
                "<li><a href=\"#{field}\">{}</a></li>\n",
                escape_html(message)
            ));
        }
        html.push_str("</ul>\n</div>\n");
    }

    html.push_str("<section aria-labelledby=\"existing\">\n<h2 id=\"existing\">Continue with an existing account</h2>\n");
    if users.is_empty() {
        html.push_str("<p>There are no accounts yet. Create one below.</p>\n");
    } else {
        html.push_str("<ul class=\"accounts\">\n");
        for user in &users {
            let name = user
                .full_name()
                .unwrap_or_else(|| user.email_address.clone());
            let id = escape_html(&user.id);
            html.push_str(&format!(
                "<li><form method=\"post\" action=\"{base_path}/sign-in\">\
                 <input type=\"hidden\" name=\"user_id\" value=\"{id}\">\
                 <input type=\"hidden\" name=\"redirect_url\" value=\"{redirect}\">\
                 <button type=\"submit\" class=\"account\" aria-describedby=\"email-{id}\">\
                 <img src=\"{base}/avatars/{id}.svg\" alt=\"\" width=\"40\" height=\"40\">\
                 <span class=\"who\"><span class=\"name\">Continue as {name}</span>\
                 <span class=\"email\" id=\"email-{id}\">{email}</span></span></button></form></li>\n",
                base_path = escape_html(base_path),
                base = escape_html(base),
                name = escape_html(&name),
                email = escape_html(&user.email_address),
            ));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</section>\n");

    let value = |field: &str| {
        view.form
            .map(|f| match field {
                "email_address" => f.email_address.as_str(),
                "first_name" => f.first_name.as_str(),
                _ => f.last_name.as_str(),
            })
            .map(escape_html)
            .unwrap_or_default()
    };
    let first_error = view.errors.first().map(|(field, _)| *field);
    html.push_str(&format!(
        "<section aria-labelledby=\"new\">\n<h2 id=\"new\">Create an account</h2>\n\
         <form method=\"post\" action=\"{}/sign-up\" novalidate>\n\
         <input type=\"hidden\" name=\"redirect_url\" value=\"{redirect}\">\n",
        escape_html(base_path)
    ));
    for (field, label, kind, autocomplete) in [
        ("email_address", "Email address", "email", "email"),
        ("first_name", "First name", "text", "given-name"),
        ("last_name", "Last name", "text", "family-name"),
    ] {
        let messages: Vec<String> = view
            .errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| escape_html(m))
            .collect();
        let (invalid, error) = if messages.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error\""),
                format!(
                    "<p class=\"error\" id=\"{field}-error\">{}</p>",
                    messages.join(" ")
                ),
            )
        };
        let autofocus = if first_error == Some(field) {
            " autofocus"
        } else {
            ""
        };
        html.push_str(&format!(
            "<div class=\"field\"><label for=\"{field}\">{label}</label>\
             <input id=\"{field}\" name=\"{field}\" type=\"{kind}\" autocomplete=\"{autocomplete}\" \
             required value=\"{value}\"{invalid}{autofocus}>{error}</div>\n",
            value = value(field),
        ));
    }
    html.push_str(
        "<button type=\"submit\" class=\"primary\">Create account</button>\n</form>\n</section>\n</main>\n</body>\n</html>\n",
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response()
}

/// The emulator's own root page (standalone only): where a refused redirect lands.
pub async fn home(State(emulator): State<Emulator>, headers: HeaderMap) -> Html<String> {
    let cookie = read_cookie(&headers, CLIENT_COOKIE);
    let who = emulator.read_state(|data| {
        let client = cookie.as_deref().and_then(|c| data.client_by_cookie(c))?;
        let session = data.session(client.session_id.as_deref()?).ok()?;
        let user = data.user(&session.user_id).ok()?;
        Some(
            user.full_name()
                .unwrap_or_else(|| user.email_address.clone()),
        )
    });
    let status = match who {
        Some(name) => format!("This browser is signed in as {}.", escape_html(&name)),
        None => "This browser is signed out.".to_owned(),
    };
    Html(format!(
        "{HEAD}<main>\n<p class=\"badge\">Clerk emulator · offline, for development only</p>\n\
         <h1>Clerk emulator</h1>\n<p class=\"lead\">{status}</p>\n\
         <p><a href=\"{base}/sign-in\">Sign in as someone else</a></p>\n</main>\n</body>\n</html>\n",
        base = escape_html(&emulator.inner.base_path),
    ))
}

const HEAD: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sign in · Clerk emulator</title>
<style>
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --text: #14171f; --muted: #4b5262; --line: #c9ced8; --accent: #1d4ed8; --accent-text: #fff; --danger: #b42318; --focus: #1d4ed8; }
@media (prefers-color-scheme: dark) { :root { --bg: #12141a; --card: #1b1e26; --text: #eef0f4; --muted: #b4bac6; --line: #3b404c; --accent: #8fb0ff; --accent-text: #0b1020; --danger: #ff9b8f; --focus: #8fb0ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 30rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.75rem; margin: .5rem 0; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .75rem; }
.lead { color: var(--muted); margin-top: 0; }
.badge { display: inline-block; margin: 0; padding: .15rem .6rem; border: 1px solid var(--line); border-radius: 999px; font-size: .8rem; color: var(--muted); }
.notice { border: 2px solid var(--danger); border-radius: .5rem; padding: .25rem 1rem; background: var(--card); }
.notice h2 { margin-top: .5rem; font-size: 1rem; }
.notice a { color: var(--danger); }
ul.accounts { list-style: none; margin: 0; padding: 0; display: grid; gap: .5rem; }
button { font: inherit; cursor: pointer; }
.account { width: 100%; display: flex; align-items: center; gap: .75rem; padding: .6rem .75rem; text-align: left; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: .6rem; min-height: 3.25rem; }
.account:hover { border-color: var(--accent); }
.account img { border-radius: 50%; flex: none; }
.who { display: flex; flex-direction: column; min-width: 0; }
.name { font-weight: 600; }
.email { color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
.field { margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input { width: 100%; font: inherit; padding: .6rem .7rem; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: .45rem; }
input[aria-invalid="true"] { border: 2px solid var(--danger); }
.error { color: var(--danger); margin: .3rem 0 0; font-size: .92rem; }
.primary { width: 100%; padding: .7rem 1rem; font-weight: 600; color: var(--accent-text); background: var(--accent); border: 0; border-radius: .5rem; min-height: 2.75rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
</style>
</head>
<body>
"#;
