use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::{Value, json};

use crate::helpers::spawn;

#[tokio::test]
async fn the_page_runs_clerk_js_in_proxy_mode_and_shows_the_seeded_passwords() {
    let test = spawn().await;
    let response = test
        .http
        .get(test.emulator.sign_in_url())
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"].to_str().ok(),
        Some("no-store")
    );
    let html = response.text().await.expect("html");
    for (name, password) in [
        ("Continue as Ada Lovelace", "ada-lovelace-1815"),
        ("Continue as Grace Hopper", "grace-hopper-1906"),
        ("Continue as Alan Turing", "alan-turing-1912"),
    ] {
        assert!(html.contains(name), "{name} missing");
        assert!(
            html.contains(&format!("<code>{password}</code>")),
            "{password} missing"
        );
    }
    assert!(html.contains(&format!(
        "data-clerk-publishable-key=\"{}\"",
        test.emulator.publishable_key()
    )));
    assert!(html.contains("data-clerk-proxy-url=\"http://127.0.0.1:"));
    assert!(html.contains(&format!("src=\"{}\"", test.emulator.script_url().path())));
    assert!(html.contains("<label for=\"identifier\">Email address</label>"));
    assert!(html.contains("<label for=\"new-password\">"));
    assert!(html.contains("Create account</button>"));
    // Scripts and styles are files of the emulator's, never inline, never from elsewhere.
    assert!(!html.contains("<style"));
    assert_eq!(html.matches("<script").count(), 2);
    for attribute in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attribute) {
            let value = &html[i + attribute.len()..];
            assert!(
                value.starts_with("/__clerk/"),
                "asset outside the emulator: {}",
                &value[..value.find('"').unwrap_or(value.len())]
            );
        }
    }
    for asset in ["/sign-in.js", "/sign-in.css"] {
        let response = test.http.get(test.url(asset)).send().await.expect("asset");
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
}

#[tokio::test]
async fn a_page_ticket_signs_in_once_through_the_frontend_api() {
    let test = spawn().await;
    let (status, body) = test
        .send(
            "POST",
            "/sign-in/ticket",
            json!({ "user_id": seeds::GRACE_HOPPER }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let ticket = body["ticket"].as_str().expect("ticket").to_owned();
    let sign_in = |ticket: String| {
        test.http
            .post(test.url("/v1/client/sign_ins"))
            .header("origin", &test.origin)
            .form(&[("strategy", "ticket".to_owned()), ("ticket", ticket)])
            .send()
    };
    let first = sign_in(ticket.clone()).await.expect("first");
    assert_eq!(first.status(), StatusCode::OK);
    let body: Value = first.json().await.expect("json");
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(
        body["client"]["sessions"][0]["user"]["id"],
        seeds::GRACE_HOPPER
    );
    let again = sign_in(ticket).await.expect("again");
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = again.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "ticket_invalid");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "ticket");
}

#[tokio::test]
async fn deleted_users_are_not_offered_and_get_no_ticket() {
    let test = spawn().await;
    test.send(
        "DELETE",
        &format!("/_emulator/users/{}", seeds::ALAN_TURING),
        json!(null),
    )
    .await;
    let page = test
        .http
        .get(test.emulator.sign_in_url())
        .send()
        .await
        .expect("page");
    assert!(!page.text().await.expect("html").contains("Alan Turing"));
    let (status, _) = test
        .send(
            "POST",
            "/sign-in/ticket",
            json!({ "user_id": seeds::ALAN_TURING }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_sites_cannot_ask_for_a_ticket() {
    let test = spawn().await;
    let response = test
        .http
        .post(test.url("/sign-in/ticket"))
        .header("origin", "https://evil.example")
        .json(&json!({ "user_id": seeds::ADA_LOVELACE }))
        .send()
        .await
        .expect("ticket");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
