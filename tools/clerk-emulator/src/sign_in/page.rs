//! The sign-in page's HTML: the people to continue as (seeded ones with their passwords),
//! the email-and-password form and the sign-up form, and the clerk-js script tag in proxy
//! mode. Every value is escaped; nothing is loaded from elsewhere.

use crate::Emulator;
use crate::core::store::{SEEDS, User};
use crate::http::escape_html;

pub(crate) fn render(emulator: &Emulator) -> String {
    let base = emulator.base_path();
    let mut users: Vec<User> = emulator.read_state(|data| data.users.clone());
    users.sort_by_key(|u| (u.created_at, u.id.clone()));
    let allowed =
        serde_json::to_string(&emulator.allowed_origins()).unwrap_or_else(|_| "[]".into());

    let mut html = head(base, "Sign in");
    html.push_str(&format!(
        "<main data-base=\"{base}\" data-home=\"{home}\" data-allowed-origins=\"{allowed}\">\n\
         <p class=\"badge\">Clerk emulator · offline, for development only</p>\n\
         <h1>Sign in</h1>\n\
         <p class=\"lead\" id=\"status\" role=\"status\" aria-live=\"polite\">Loading Clerk…</p>\n\
         <noscript><p class=\"notice\">This page signs you in with clerk-js: turn on JavaScript.</p></noscript>\n\
         <div class=\"notice\" id=\"problem\" role=\"alert\" hidden></div>\n",
        base = escape_html(base),
        home = escape_html(&format!("{}/", emulator.origin())),
        allowed = escape_html(&allowed),
    ));
    accounts(&mut html, base, &users);
    password_form(&mut html);
    sign_up_form(&mut html);
    html.push_str(&format!(
        "</main>\n\
         <script async crossorigin=\"anonymous\" data-clerk-publishable-key=\"{pk}\" \
         data-clerk-proxy-url=\"{proxy}\" src=\"{script}\"></script>\n\
         <script defer src=\"{base}/sign-in.js\"></script>\n</body>\n</html>\n",
        pk = escape_html(&emulator.publishable_key()),
        proxy = escape_html(emulator.proxy_url().as_str()),
        script = escape_html(emulator.script_url().path()),
        base = escape_html(base),
    ));
    html
}

fn accounts(html: &mut String, base: &str, users: &[User]) {
    html.push_str(
        "<section aria-labelledby=\"existing\">\n<h2 id=\"existing\">Continue as someone</h2>\n",
    );
    if users.is_empty() {
        html.push_str("<p>There are no accounts yet. Create one below.</p>\n</section>\n");
        return;
    }
    html.push_str("<ul class=\"accounts\">\n");
    for user in users {
        let name = user
            .full_name()
            .unwrap_or_else(|| user.email_address.clone());
        let id = escape_html(&user.id);
        let password = SEEDS
            .iter()
            .find(|seed| seed.id == user.id)
            .map(|seed| {
                format!(
                    "<span class=\"password\">Password: <code>{}</code></span>",
                    escape_html(seed.password)
                )
            })
            .unwrap_or_default();
        html.push_str(&format!(
            "<li><button type=\"button\" class=\"account\" data-user-id=\"{id}\" data-name=\"{name}\" \
             aria-describedby=\"email-{id}\">\
             <img src=\"{base}/avatars/{id}.svg\" alt=\"\" width=\"40\" height=\"40\">\
             <span class=\"who\"><span class=\"name\">Continue as {name}</span>\
             <span class=\"email\" id=\"email-{id}\">{email}</span>{password}</span></button></li>\n",
            base = escape_html(base),
            name = escape_html(&name),
            email = escape_html(&user.email_address),
        ));
    }
    html.push_str("</ul>\n</section>\n");
}

fn field(html: &mut String, id: &str, name: &str, label: &str, kind: &str, autocomplete: &str) {
    html.push_str(&format!(
        "<div class=\"field\"><label for=\"{id}\">{label}</label>\
         <input id=\"{id}\" name=\"{name}\" type=\"{kind}\" autocomplete=\"{autocomplete}\" \
         aria-describedby=\"{id}-error\">\
         <p class=\"error\" id=\"{id}-error\" aria-live=\"polite\"></p></div>\n"
    ));
}

fn password_form(html: &mut String) {
    html.push_str(
        "<section aria-labelledby=\"with-password\">\n\
         <h2 id=\"with-password\">Sign in with email and password</h2>\n\
         <form id=\"password-form\" novalidate>\n",
    );
    field(
        html,
        "identifier",
        "identifier",
        "Email address",
        "email",
        "username",
    );
    field(
        html,
        "password",
        "password",
        "Password",
        "password",
        "current-password",
    );
    html.push_str(
        "<button type=\"submit\" class=\"primary\">Sign in</button>\n</form>\n</section>\n",
    );
}

fn sign_up_form(html: &mut String) {
    html.push_str(
        "<section aria-labelledby=\"sign-up\">\n<h2 id=\"sign-up\">Create an account</h2>\n\
         <form id=\"sign-up-form\" novalidate>\n",
    );
    field(
        html,
        "new-email",
        "email_address",
        "Email address",
        "email",
        "email",
    );
    field(
        html,
        "new-first-name",
        "first_name",
        "First name",
        "text",
        "given-name",
    );
    field(
        html,
        "new-last-name",
        "last_name",
        "Last name",
        "text",
        "family-name",
    );
    field(
        html,
        "new-password",
        "password",
        "Password (at least 8 characters)",
        "password",
        "new-password",
    );
    html.push_str(
        "<button type=\"submit\" class=\"primary\">Create account</button>\n</form>\n</section>\n",
    );
}

/// The emulator's root page.
pub(crate) fn home(emulator: &Emulator, signed_in_as: Option<&str>) -> String {
    let base = emulator.base_path();
    let status = match signed_in_as {
        Some(name) => format!("This browser is signed in as {}.", escape_html(name)),
        None => "This browser is signed out.".to_owned(),
    };
    let mut html = head(base, "Clerk emulator");
    html.push_str(&format!(
        "<main>\n<p class=\"badge\">Clerk emulator · offline, for development only</p>\n\
         <h1>Clerk emulator</h1>\n<p class=\"lead\">{status}</p>\n\
         <p><a href=\"{base}/sign-in\">Sign in as someone else</a></p>\n</main>\n</body>\n</html>\n",
        base = escape_html(base),
    ));
    html
}

fn head(base: &str, title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title} · Clerk emulator</title>\n\
         <link rel=\"stylesheet\" href=\"{base}/sign-in.css\">\n</head>\n<body>\n",
        title = escape_html(title),
        base = escape_html(base),
    )
}
