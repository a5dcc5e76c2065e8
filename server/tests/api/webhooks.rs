//! Clerk webhooks end to end: Svix signatures, idempotency, ordering, races with request-time
//! sync, and cache invalidation across two servers on one database.

use std::time::Duration;

use crate::{
    clerk_mock::MockClerk,
    helpers::{
        Delivery, SECRET, ServerProcess, TestApp, database_env, deleted_event, delivery, ms, send,
        send_to, sign_with, spawn_clerk_app, user_event,
    },
    tokens::*,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

const OTHER_SECRET: &str = "whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IG9uZQ==";

async fn setup(pool: PgPool) -> (TestApp, MockClerk) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_clerk_app(pool, &clerk, &[("CLERK_WEBHOOK_SIGNING_SECRET", SECRET)]).await;
    (app, clerk)
}

async fn status_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn stored(pool: &PgPool, id: &str) -> Option<(Option<String>, bool)> {
    sqlx::query_as("select email, deleted_at is not null from users where clerk_id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_valid_delivery_is_applied(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let d = delivery(&user_event(
        "user.created",
        "user_ada",
        "ada@example.com",
        ms(0),
    ));
    let (status, body) = status_of(send(&app, &d).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "applied");
    assert_eq!(
        stored(&pool, "user_ada").await,
        Some((Some("ada@example.com".into()), false))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signature_failures_are_401_and_change_nothing(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let event = user_event("user.created", "user_ada", "ada@example.com", ms(0));
    let good = delivery(&event);

    let tampered = Delivery {
        body: serde_json::to_vec(&user_event(
            "user.created",
            "user_ada",
            "evil@example.com",
            ms(0),
        ))
        .unwrap(),
        ..delivery(&event)
    };
    let tampered = Delivery {
        signature: good.signature.clone(),
        id: good.id.clone(),
        timestamp: good.timestamp,
        ..tampered
    };
    let wrong_secret = Delivery {
        signature: sign_with(OTHER_SECRET, &good.id, good.timestamp, &good.body),
        ..delivery(&event)
    };
    let stale_ts = now() - 400;
    let stale = Delivery {
        timestamp: stale_ts,
        signature: sign_with(SECRET, &good.id, stale_ts, &good.body),
        id: good.id.clone(),
        body: good.body.clone(),
    };
    let future_ts = now() + 400;
    let future = Delivery {
        timestamp: future_ts,
        signature: sign_with(SECRET, &good.id, future_ts, &good.body),
        id: good.id.clone(),
        body: good.body.clone(),
    };
    let truncated = Delivery {
        signature: good.signature[..good.signature.len() - 4].to_owned(),
        id: good.id.clone(),
        timestamp: good.timestamp,
        body: good.body.clone(),
    };
    let bare_version = Delivery {
        signature: "v1,".into(),
        id: good.id.clone(),
        timestamp: good.timestamp,
        body: good.body.clone(),
    };
    for (name, d) in [
        ("tampered body", &tampered),
        ("wrong secret", &wrong_secret),
        ("stale timestamp", &stale),
        ("future timestamp", &future),
        ("truncated signature", &truncated),
        ("empty v1 signature", &bare_version),
    ] {
        let (status, body) = status_of(send(&app, d).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(
            body["error"]["reason"], "webhook-signature-invalid",
            "{name}"
        );
    }
    // Missing headers, one at a time.
    for missing in ["svix-id", "svix-timestamp", "svix-signature"] {
        let mut request = app
            .client
            .post(app.url("/api/webhooks/clerk"))
            .body(good.body.clone());
        for (name, value) in [
            ("svix-id", good.id.clone()),
            ("svix-timestamp", good.timestamp.to_string()),
            ("svix-signature", good.signature.clone()),
        ] {
            if name != missing {
                request = request.header(name, value);
            }
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "without {missing}"
        );
    }
    assert_eq!(stored(&pool, "user_ada").await, None, "nothing was written");
}

#[sqlx::test(migrations = "../migrations")]
async fn several_signatures_pass_when_one_is_valid(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let mut d = delivery(&user_event(
        "user.created",
        "user_ada",
        "ada@example.com",
        ms(0),
    ));
    let other = sign_with(OTHER_SECRET, &d.id, d.timestamp, &d.body);
    d.signature = format!("v2,abc {other} {} v1,AAAA", d.signature);
    let (status, _) = status_of(send(&app, &d).await).await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_payloads_are_400_with_a_message(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    for event in [
        json!("not an object"),
        json!({"type": "user.created", "timestamp": ms(0), "data": {"email_addresses": []}}),
        json!({"type": "user.created", "timestamp": ms(0), "data": {"id": "not-a-user-id"}}),
        json!({"type": "user.deleted", "data": {"id": "user_ada"}}),
    ] {
        let (status, body) = status_of(send(&app, &delivery(&event)).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{event}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let raw = Delivery {
        body: b"{not json".to_vec(),
        ..delivery(&json!({}))
    };
    let raw = Delivery {
        signature: sign_with(SECRET, &raw.id, raw.timestamp, &raw.body),
        ..raw
    };
    assert_eq!(send(&app, &raw).await.status(), StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_event_types_are_acknowledged_and_ignored(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let event = json!({"type": "session.created", "timestamp": ms(0), "data": {"id": "sess_1"}});
    let (status, body) = status_of(send(&app, &delivery(&event)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ignored");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_database_failure_is_5xx_so_svix_retries(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    pool.close().await;
    let d = delivery(&user_event(
        "user.created",
        "user_ada",
        "ada@example.com",
        ms(0),
    ));
    assert_eq!(
        send(&app, &d).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_signing_secret_webhooks_answer_503(pool: PgPool) {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let app = spawn_clerk_app(pool, &clerk, &[]).await;
    let d = delivery(&user_event(
        "user.created",
        "user_ada",
        "ada@example.com",
        ms(0),
    ));
    assert_eq!(
        send(&app, &d).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_same_delivery_twice_and_an_older_update_leave_the_newest_state(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let newest = delivery(&user_event(
        "user.updated",
        "user_ada",
        "newest@example.com",
        ms(-10),
    ));
    let older = delivery(&user_event(
        "user.updated",
        "user_ada",
        "older@example.com",
        ms(-20),
    ));
    let (_, first) = status_of(send(&app, &newest).await).await;
    assert_eq!(first["status"], "applied");
    let (status, again) = status_of(send(&app, &newest).await).await;
    assert_eq!(
        (status, again["status"].clone()),
        (StatusCode::OK, json!("duplicate"))
    );
    let (status, stale) = status_of(send(&app, &older).await).await;
    assert_eq!(
        (status, stale["status"].clone()),
        (StatusCode::OK, json!("stale"))
    );
    assert_eq!(
        stored(&pool, "user_ada").await,
        Some((Some("newest@example.com".into()), false))
    );
    let deliveries: i64 = sqlx::query_scalar("select count(*) from webhook_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deliveries, 2, "one row per svix-id");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_update_after_a_delete_does_not_bring_the_user_back(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    send(
        &app,
        &delivery(&user_event(
            "user.created",
            "user_ada",
            "ada@example.com",
            ms(-30),
        )),
    )
    .await;
    let (_, deleted) =
        status_of(send(&app, &delivery(&deleted_event("user_ada", ms(-10)))).await).await;
    assert_eq!(deleted["status"], "applied");
    // A late, even newer, user.updated.
    let late = delivery(&user_event(
        "user.updated",
        "user_ada",
        "back@example.com",
        ms(-5),
    ));
    let (status, body) = status_of(send(&app, &late).await).await;
    assert_eq!(
        (status, body["status"].clone()),
        (StatusCode::OK, json!("user_deleted"))
    );
    assert_eq!(stored(&pool, "user_ada").await, Some((None, true)));
}

#[sqlx::test(migrations = "../migrations")]
async fn webhook_first_then_request_uses_the_same_row(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    send(
        &app,
        &delivery(&user_event(
            "user.created",
            "user_ada",
            "ada@example.com",
            ms(-30),
        )),
    )
    .await;
    let id: uuid::Uuid = sqlx::query_scalar("select id from users where clerk_id = 'user_ada'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let response = app.me(&Mint::session("user_ada").sign()).await;
    let me: app::api::UserProfile = response.json().await.unwrap();
    assert_eq!(me.id, id);
    let count: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn request_first_then_webhook_adds_no_row_and_newer_changes_apply(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let token = Mint::session("user_ada").sign();
    let me: app::api::UserProfile = app.me(&token).await.json().await.unwrap();
    // Clerk's user.created for this user was sent before the sign-in: it is older.
    let created = delivery(&user_event(
        "user.created",
        "user_ada",
        "ada@example.com",
        ms(-60),
    ));
    let (_, body) = status_of(send(&app, &created).await).await;
    assert_eq!(body["status"], "stale");
    // A later change in Clerk arrives by webhook and shows on the next request.
    let updated = delivery(&user_event(
        "user.updated",
        "user_ada",
        "changed@example.com",
        ms(5),
    ));
    let (_, body) = status_of(send(&app, &updated).await).await;
    assert_eq!(body["status"], "applied");
    let token_without_claims = Mint::session("user_ada").without_profile().sign();
    let after: app::api::UserProfile = app.me(&token_without_claims).await.json().await.unwrap();
    assert_eq!(after.id, me.id);
    assert_eq!(after.email.as_deref(), Some("changed@example.com"));
    let count: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deletion_while_requests_are_in_flight_sticks(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    let token = Mint::session("user_ada").sign();
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    let deletion = delivery(&deleted_event("user_ada", ms(0)));
    let requests = futures::future::join_all((0..50).map(|_| app.me(&token)));
    let (responses, delete_response) = tokio::join!(requests, send(&app, &deletion));
    assert_eq!(delete_response.status(), StatusCode::OK);
    for response in responses {
        assert!(
            matches!(response.status(), StatusCode::OK | StatusCode::UNAUTHORIZED),
            "{}",
            response.status()
        );
    }
    // Once the deletion is in, every request is refused and nothing came back.
    let after = app.me(&token).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "user-deleted");
    let rows: Vec<(bool,)> = sqlx::query_as("select deleted_at is not null from users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows, [(true,)], "one row, a tombstone");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deletion_on_one_server_process_reaches_the_other_within_a_second(pool: PgPool) {
    // Two real server processes on one database, each with its own cache and listener.
    let database = database_env(&pool).await;
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let publishable_key = publishable_key();
    let mut env = vec![
        ("CLERK_PUBLISHABLE_KEY", publishable_key.as_str()),
        ("CLERK_SECRET_KEY", crate::clerk_mock::SECRET_KEY),
        ("CLERK_API_URL", clerk.url.as_str()),
        ("CLERK_WEBHOOK_SIGNING_SECRET", SECRET),
    ];
    env.extend(database.iter().map(|(k, v)| (*k, v.as_str())));
    let one = ServerProcess::start(&env).await;
    let two = ServerProcess::start(&env).await;
    let client = reqwest::Client::new();
    let token = Mint::session("user_ada").sign();
    let me = |server: &ServerProcess| client.get(server.url("/api/me")).bearer_auth(&token).send();
    // Both have Ada cached: from the second request on, neither reads the database.
    for server in [&one, &two, &one, &two] {
        assert_eq!(me(server).await.unwrap().status(), StatusCode::OK);
    }
    let deletion = delivery(&deleted_event("user_ada", ms(0)));
    let answer = send_to(&client, &one.url("/api/webhooks/clerk"), &deletion).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let started = std::time::Instant::now();
    loop {
        if me(&two).await.unwrap().status() == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "process two still accepts a deleted user after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = me(&one).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

/// Polls until `done` holds; a guard against hanging, not a measure of speed.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..600 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deletion_delivered_to_one_instance_evicts_the_user_from_the_others_cache(pool: PgPool) {
    // Two instances on one database, each with its own cache and listener (through the
    // pooler, with LISTEN on the direct URL, when the tests run behind one).
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    let secret = [("CLERK_WEBHOOK_SIGNING_SECRET", SECRET)];
    let one = spawn_clerk_app(pool.clone(), &clerk, &secret).await;
    let two = spawn_clerk_app(pool.clone(), &clerk, &secret).await;
    let cache = two.auth.authenticator.cache();
    assert!(eventually(|| cache.is_enabled()).await, "two listens");
    let (ada, grace) = (
        Mint::session("user_ada").sign(),
        Mint::session("user_grace").sign(),
    );
    for token in [&ada, &grace] {
        assert_eq!(one.me(token).await.status(), StatusCode::OK);
        assert_eq!(two.me(token).await.status(), StatusCode::OK);
    }
    assert_eq!(cache.len(), 2, "two has both cached");
    let deletion = delivery(&deleted_event("user_ada", ms(0)));
    assert_eq!(send(&one, &deletion).await.status(), StatusCode::OK);
    // Ada alone leaves two's cache: the notification named her. A listener that heard
    // nothing would at best switch the cache off and clear it, dropping Grace too.
    assert!(
        eventually(|| cache.len() == 1).await,
        "the deletion never reached two's cache"
    );
    assert!(cache.is_enabled());
    assert_eq!(two.me(&ada).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(two.me(&grace).await.status(), StatusCode::OK);
}

async fn names(pool: &PgPool, id: &str) -> (Option<String>, Option<String>, Option<String>) {
    sqlx::query_as("select email, first_name, last_name from users where clerk_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn email_only_token(sub: &str, email: &str) -> String {
    Mint::session(sub)
        .without_profile()
        .claim("email", json!(email))
        .sign()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_partial_template_token_then_a_webhook_loses_no_field(pool: PgPool) {
    let (app, _) = setup(pool.clone()).await;
    // The session token is customised with just `email`; the first request creates Ada.
    let response = app
        .me(&email_only_token("user_ada", "ada@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Clerk's user.created, for a sign-up half a minute before that token was minted, has
    // her names. The token could not vouch for them, so the event is not stale.
    let created = delivery(&user_event(
        "user.created",
        "user_ada",
        "ada@example.com",
        ms(-30),
    ));
    let (status, body) = status_of(send(&app, &created).await).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(body["status"], "applied", "{body}");
    assert_eq!(
        names(&pool, "user_ada").await,
        (
            Some("ada@example.com".into()),
            Some("Ada".into()),
            Some("Lovelace".into())
        )
    );
    // A new email in the next partial token changes the email alone.
    let response = app
        .me(&email_only_token("user_ada", "ada@lovelace.dev"))
        .await;
    let me: app::api::UserProfile = response.json().await.unwrap();
    assert_eq!(me.email.as_deref(), Some("ada@lovelace.dev"));
    assert_eq!(me.first_name.as_deref(), Some("Ada"));
    assert_eq!(
        names(&pool, "user_ada").await,
        (
            Some("ada@lovelace.dev".into()),
            Some("Ada".into()),
            Some("Lovelace".into())
        )
    );
    // And a later webhook still applies over it.
    let renamed = delivery(&json!({
        "type": "user.updated", "object": "event", "timestamp": ms(-1),
        "data": {
            "id": "user_ada", "object": "user",
            "email_addresses": [{"id": "idn_1", "email_address": "ada@lovelace.dev"}],
            "primary_email_address_id": "idn_1",
            "first_name": "Augusta Ada", "last_name": "King", "image_url": null,
            "updated_at": ms(-1),
        }
    }));
    let (_, body) = status_of(send(&app, &renamed).await).await;
    assert_eq!(body["status"], "applied", "{body}");
    assert_eq!(
        names(&pool, "user_ada").await,
        (
            Some("ada@lovelace.dev".into()),
            Some("Augusta Ada".into()),
            Some("King".into())
        )
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_backend_api_profile_is_stamped_with_the_users_updated_at(pool: PgPool) {
    let (app, clerk) = setup(pool.clone()).await;
    // The mock's user was last updated at 1_764_000_000 (seconds), long before this token.
    clerk.add_user("user_api", "api@example.com", "Grace", "Hopper");
    let token = Mint::session("user_api").without_profile().sign();
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    let stamp: Option<time::OffsetDateTime> =
        sqlx::query_scalar("select clerk_updated_at from users where clerk_id = $1")
            .bind("user_api")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stamp.map(|t| t.unix_timestamp()), Some(1_764_000_000));
    // A change made in Clerk after that, reported by a webhook, applies.
    let updated = delivery(&user_event(
        "user.updated",
        "user_api",
        "grace@example.com",
        1_764_000_060_000,
    ));
    let (_, body) = status_of(send(&app, &updated).await).await;
    assert_eq!(body["status"], "applied", "{body}");
    assert_eq!(
        stored(&pool, "user_api").await,
        Some((Some("grace@example.com".into()), false))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn deliveries_older_than_the_retry_horizon_are_purged(pool: PgPool) {
    sqlx::query(
        "insert into webhook_deliveries (svix_id, event_type, received_at) values
         ('msg_old', 'user.updated', now() - interval '4 days'),
         ('msg_recent', 'user.updated', now() - interval '1 day'),
         ('msg_now', 'user.updated', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let deleted =
        server::webhooks::purge::purge_deliveries(&pool, server::webhooks::purge::RETENTION)
            .await
            .unwrap();
    assert_eq!(deleted, 1);
    let left: Vec<String> = sqlx::query_scalar("select svix_id from webhook_deliveries order by 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, ["msg_now", "msg_recent"]);
    // The horizon covers all of Svix's retries (about 27.5 hours).
    assert!(server::webhooks::purge::RETENTION >= Duration::from_secs(28 * 3600));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_listener_that_stops_hearing_switches_the_cache_off(pool: PgPool) {
    use std::sync::Arc;

    use server::auth::{
        Authenticator,
        cache::UserCache,
        keys::KeyStore,
        verify::{Verifier, VerifierSettings},
    };
    let authenticator = Arc::new(Authenticator::new(
        Verifier::new(
            KeyStore::from_pem(KEY_A_PUB).unwrap(),
            VerifierSettings::default(),
        ),
        Arc::new(server::db::users::PgUsers::new(pool.clone())),
        Arc::new(UserCache::new(100, Duration::from_secs(60))),
        None,
    ));
    assert!(!authenticator.cache().is_enabled(), "off before LISTEN");
    let task = server::webhooks::notify::spawn_listener_with(
        pool.clone(),
        authenticator.clone(),
        Duration::from_millis(300),
    );
    let wait_for = |enabled: bool| {
        let authenticator = authenticator.clone();
        async move {
            for _ in 0..100 {
                if authenticator.cache().is_enabled() == enabled {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(wait_for(true).await, "on once listening");
    // Several heartbeats answered: it stays on.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(authenticator.cache().is_enabled());
    // Freeze the listener's server process: its connection stays open but hears nothing,
    // the way a half-open connection behaves.
    let pid: i32 = sqlx::query_scalar(
        "select pid from pg_stat_activity where query ilike 'listen%' and datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let signal = |name: &str| {
        assert!(
            std::process::Command::new("kill")
                .args([name, &pid.to_string()])
                .status()
                .unwrap()
                .success()
        );
    };
    signal("-STOP");
    let switched_off = wait_for(false).await;
    signal("-CONT");
    task.abort();
    assert!(switched_off, "a missing echo switches the cache off");
}
