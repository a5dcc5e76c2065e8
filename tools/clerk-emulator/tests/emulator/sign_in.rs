use axum::http::StatusCode;
use clerk_emulator::seeds;
use serde_json::json;

use crate::helpers::{cookie_value, set_cookies, spawn};

#[tokio::test]
async fn page_lists_users_accessibly_with_no_external_assets() {
    let test = spawn().await;
    let response = test
        .http
        .get(format!(
            "{}?redirect_url={}",
            test.emulator.sign_in_url(),
            "%2Fdashboard%3Fa%3D1%26b%3D%22x%22"
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    );
    let html = response.text().await.expect("html");
    for name in [
        "Continue as Ada Lovelace",
        "Continue as Grace Hopper",
        "Continue as Alan Turing",
    ] {
        assert!(html.contains(name), "{name} missing");
    }
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("<h1>Sign in</h1>"));
    assert!(html.contains("<label for=\"email_address\">Email address</label>"));
    assert!(html.contains("<label for=\"first_name\">First name</label>"));
    assert!(html.contains("Create account</button>"));
    assert!(html.contains(":focus-visible"));
    // The redirect target rides along, escaped.
    assert!(html.contains("value=\"/dashboard?a=1&amp;b=&quot;x&quot;\""));
    // Nothing is loaded from anywhere but the emulator.
    for attribute in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attribute) {
            let value = &html[i + attribute.len()..];
            assert!(
                value.starts_with(&test.base) || value.starts_with('#') || value.starts_with('/'),
                "external asset: {}",
                &value[..value.find('"').unwrap_or(value.len())]
            );
        }
    }
    assert!(!html.contains("<link"));
}

#[tokio::test]
async fn choosing_a_user_starts_a_session_sets_cookies_and_returns_to_the_app() {
    let test = spawn().await;
    let target = format!("{}/dashboard?tab=1", test.origin);
    let response = test
        .http
        .post(test.url("/sign-in"))
        .header("origin", &test.origin)
        .form(&[("user_id", seeds::ADA_LOVELACE), ("redirect_url", &target)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], target.as_str());
    let cookies = set_cookies(response.headers());
    let client = cookies
        .iter()
        .find(|c| c.starts_with("__client="))
        .expect("__client");
    assert!(client.contains("HttpOnly"), "{client}");
    assert!(client.contains("Path=/__clerk;"), "{client}");
    assert!(client.contains("SameSite=Lax"), "{client}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__session="))
        .expect("__session");
    assert!(
        session.contains("Path=/;") && !session.contains("HttpOnly"),
        "{session}"
    );
    let uat = cookie_value(response.headers(), "__client_uat").expect("__client_uat");
    assert!(uat.parse::<i64>().expect("seconds") > 1_600_000_000);

    let jwt = cookie_value(response.headers(), "__session").expect("token");
    let claims = test.verify(&jwt, true).await.expect("verifies");
    assert_eq!(claims["sub"], seeds::ADA_LOVELACE);
    assert_eq!(claims["azp"], test.origin.as_str());
    assert!(claims["iat"].as_i64().expect("iat") >= uat.parse::<i64>().expect("uat"));

    let (_, sessions) = test.get("/_emulator/sessions").await;
    let sessions = sessions["sessions"].as_array().expect("sessions");
    assert!(
        sessions
            .iter()
            .any(|s| s["id"] == claims["sid"] && s["status"] == "active")
    );
}

#[tokio::test]
async fn redirects_off_the_emulators_origin_are_refused() {
    let test = spawn().await;
    for target in [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://127.0.0.1:1/other-port",
    ] {
        let response = test
            .http
            .post(test.url("/sign-in"))
            .form(&[("user_id", seeds::ADA_LOVELACE), ("redirect_url", target)])
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/", "{target}");
    }
    let relative = test
        .http
        .post(test.url("/sign-in"))
        .form(&[
            ("user_id", seeds::ADA_LOVELACE),
            ("redirect_url", "/settings"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(
        relative.headers()["location"],
        format!("{}/settings", test.origin).as_str()
    );
}

#[tokio::test]
async fn sign_up_validates_beside_each_field_then_creates_the_user() {
    let test = spawn().await;
    let post = |fields: Vec<(&'static str, &'static str)>| {
        test.http
            .post(test.url("/sign-up"))
            .header("origin", &test.origin)
            .form(&fields)
            .send()
    };
    let response = post(vec![
        ("email_address", "not-an-email"),
        ("first_name", ""),
        ("last_name", ""),
    ])
    .await
    .expect("sign up");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("html");
    assert!(
        html.contains(
            "id=\"email_address-error\">Enter an email address like name@example.com.</p>"
        )
    );
    assert!(html.contains("id=\"first_name-error\">Enter your first name.</p>"));
    assert!(html.contains("id=\"last_name-error\">Enter your last name.</p>"));
    assert!(
        html.contains("aria-invalid=\"true\" aria-describedby=\"email_address-error\" autofocus")
    );
    assert!(html.contains("value=\"not-an-email\""), "values are kept");
    assert!(html.contains("role=\"alert\""));

    let taken = post(vec![
        ("email_address", "ADA@example.com"),
        ("first_name", "A"),
        ("last_name", "L"),
    ])
    .await
    .expect("sign up");
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.text().await.expect("html").contains("already exists"));

    let created = post(vec![
        ("email_address", "mary@example.com"),
        ("first_name", "Mary"),
        ("last_name", "Jackson"),
        ("redirect_url", "/"),
    ])
    .await
    .expect("sign up");
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert!(cookie_value(created.headers(), "__client").is_some());
    let (_, users) = test.get("/_emulator/users").await;
    let mary = users["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["email_addresses"][0]["email_address"] == "mary@example.com")
        .cloned()
        .expect("Mary exists");
    assert_eq!(mary["first_name"], "Mary");
    let page = test
        .http
        .get(test.emulator.sign_in_url())
        .send()
        .await
        .expect("page");
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("Continue as Mary Jackson")
    );
}

#[tokio::test]
async fn deleted_users_are_not_offered_and_cannot_be_chosen() {
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
    let response = test
        .http
        .post(test.url("/sign-in"))
        .form(&[("user_id", seeds::ALAN_TURING)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response
            .text()
            .await
            .expect("html")
            .contains("no longer exists")
    );
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let test = spawn().await;
    let response = test
        .http
        .post(test.url("/sign-in"))
        .header("origin", "https://evil.example")
        .form(&[("user_id", seeds::ADA_LOVELACE)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
