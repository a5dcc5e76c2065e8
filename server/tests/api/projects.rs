//! Projects end to end, REST and server functions, against a real PostgreSQL: one user never
//! sees or touches another's projects, errors have the REST statuses on both paths, pages walk
//! every row once, and a deleted user's projects go with the account.
//!
//! Server functions are called the way the browser calls them: the generated argument struct
//! is encoded by server_fn's own client-side codec into the `AuthedClient`'s request (method,
//! URL, headers, body), which is then sent with a Bearer token.

use std::collections::HashSet;

use app::{
    api::{ApiError, CreateProjectRequest, EditProjectRequest, ProjectDto, ProjectPageDto},
    client::{AuthedRequest, Body},
    projects as fns,
    session::GetCurrentUser,
};
use leptos::server_fn::{
    ServerFn,
    codec::{IntoReq, Json, PostUrl},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    clerk_mock::MockClerk,
    helpers::{SECRET, TestApp, deleted_event, delivery, ms, send, spawn_clerk_app},
    tokens::*,
};

async fn setup(pool: PgPool) -> TestApp {
    let clerk = MockClerk::start(vec![jwk(KEY_A_PUB, "key-a")]).await;
    spawn_clerk_app(pool, &clerk, &[("CLERK_WEBHOOK_SIGNING_SECRET", SECRET)]).await
}

/// One caller: a user with a session token, or nobody.
struct Caller<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

/// A status and the JSON body (`null` when there is none).
type Reply = (StatusCode, Value);

impl<'a> Caller<'a> {
    fn user(app: &'a TestApp, clerk_id: &str) -> Self {
        Self {
            app,
            token: Some(Mint::session(clerk_id).sign()),
        }
    }

    fn anonymous(app: &'a TestApp) -> Self {
        Self { app, token: None }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"))
        };
        (status, body)
    }

    fn http(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app.client.request(method, self.app.url(path))
    }

    // REST

    async fn list(&self, query: &str) -> Reply {
        self.send(self.http(reqwest::Method::GET, &format!("/api/projects{query}")))
            .await
    }

    async fn create(&self, body: Value) -> Reply {
        self.send(
            self.http(reqwest::Method::POST, "/api/projects")
                .json(&body),
        )
        .await
    }

    async fn get(&self, id: impl std::fmt::Display) -> Reply {
        self.send(self.http(reqwest::Method::GET, &format!("/api/projects/{id}")))
            .await
    }

    async fn patch(&self, id: impl std::fmt::Display, body: Value) -> Reply {
        let path = format!("/api/projects/{id}");
        self.send(self.http(reqwest::Method::PATCH, &path).json(&body))
            .await
    }

    async fn delete(&self, id: impl std::fmt::Display) -> Reply {
        let path = format!("/api/projects/{id}");
        self.send(self.http(reqwest::Method::DELETE, &path)).await
    }

    /// Creates a project over REST and returns it.
    async fn project(&self, name: &str) -> ProjectDto {
        let (status, body) = self.create(json!({ "name": name })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        serde_json::from_value(body).unwrap()
    }

    // Server functions

    /// Calls a server function over HTTP, as the browser's `AuthedClient` would, with the
    /// function's input encoding (`Json` for the project functions, the default `PostUrl`
    /// for `current_user`).
    async fn call<Encoding, F>(&self, args: F) -> Reply
    where
        F: ServerFn + IntoReq<Encoding, AuthedRequest, ApiError>,
    {
        let AuthedRequest(request) = IntoReq::<Encoding, AuthedRequest, ApiError>::into_req(
            args,
            F::PATH,
            "application/json",
        )
        .unwrap();
        let mut builder = self.http(request.method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        builder = match request.body {
            Some(Body::Text(text)) => builder.body(text),
            Some(Body::Bytes(bytes)) => builder.body(bytes.to_vec()),
            None => builder,
        };
        self.send(builder).await
    }

    async fn fn_list(&self, cursor: Option<String>, limit: Option<u32>) -> Reply {
        self.call::<Json, _>(fns::ListProjectsFn { cursor, limit })
            .await
    }

    async fn fn_get(&self, id: Uuid) -> Reply {
        self.call::<Json, _>(fns::GetProjectFn { id }).await
    }

    async fn fn_create(&self, name: &str, description: Option<&str>) -> Reply {
        let input = CreateProjectRequest {
            name: name.to_owned(),
            description: description.map(str::to_owned),
        };
        self.call::<Json, _>(fns::CreateProjectFn { input }).await
    }

    async fn fn_edit(&self, id: Uuid, name: Option<&str>, description: Option<&str>) -> Reply {
        let changes = EditProjectRequest {
            name: name.map(str::to_owned),
            description: description.map(str::to_owned),
        };
        self.call::<Json, _>(fns::EditProjectFn { id, changes })
            .await
    }

    async fn fn_delete(&self, id: Uuid) -> Reply {
        self.call::<Json, _>(fns::DeleteProjectFn { id }).await
    }
}

fn assert_error(answer: &Reply, status: StatusCode, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
}

async fn stored_name(pool: &PgPool, id: Uuid) -> Option<String> {
    sqlx::query_scalar("select name from projects where id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

async fn user_id(pool: &PgPool, clerk_id: &str) -> Uuid {
    sqlx::query_scalar("select id from users where clerk_id = $1")
        .bind(clerk_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn page(answer: Reply) -> ProjectPageDto {
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    serde_json::from_value(answer.1).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_project_is_created_read_edited_and_deleted_over_rest(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    let response = app
        .client
        .post(app.url("/api/projects"))
        .bearer_auth(ada.token.as_deref().unwrap())
        .json(&json!({"name": "  Garden ", "description": "Beds"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: ProjectDto = response.json().await.unwrap();
    assert_eq!(location, format!("/api/projects/{}", created.id));
    assert_eq!(
        (created.name.as_str(), created.description.as_str()),
        ("Garden", "Beds")
    );
    let owner: Uuid = sqlx::query_scalar("select owner_id from projects where id = $1")
        .bind(created.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        owner,
        user_id(&pool, "user_ada").await,
        "owned by the caller"
    );

    assert_eq!(
        ada.get(created.id).await.1,
        serde_json::to_value(&created).unwrap()
    );
    let (status, renamed) = ada.patch(created.id, json!({"name": "Allotment"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (renamed["name"].as_str(), renamed["description"].as_str()),
        (Some("Allotment"), Some("Beds")),
        "a field left out stays"
    );
    let (status, unchanged) = ada.patch(created.id, json!({})).await;
    assert_eq!((status, &unchanged), (StatusCode::OK, &renamed));

    assert_eq!(
        ada.delete(created.id).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_error(
        &ada.get(created.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &ada.delete(created.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(stored_name(&pool, created.id).await, None);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_project_is_created_read_edited_and_deleted_through_server_functions(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    let (status, created) = ada.fn_create(" Garden ", Some("Beds")).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let created: ProjectDto = serde_json::from_value(created).unwrap();
    assert_eq!(created.name, "Garden");
    assert_eq!(
        stored_name(&pool, created.id).await.as_deref(),
        Some("Garden")
    );

    let (status, got) = ada.fn_get(created.id).await;
    assert_eq!(
        (status, got),
        (StatusCode::OK, serde_json::to_value(&created).unwrap())
    );
    let (status, edited) = ada.fn_edit(created.id, None, Some("Paths")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (edited["name"].as_str(), edited["description"].as_str()),
        (Some("Garden"), Some("Paths"))
    );
    // An empty string is a value, not "leave it": the description is cleared.
    let (status, cleared) = ada.fn_edit(created.id, None, Some("")).await;
    assert_eq!(
        (status, cleared["description"].as_str()),
        (StatusCode::OK, Some(""))
    );
    let listed = page(ada.fn_list(None, None).await);
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.next_cursor, None);

    assert_eq!(ada.fn_delete(created.id).await.0, StatusCode::OK);
    assert_eq!(stored_name(&pool, created.id).await, None);
    assert_error(
        &ada.fn_delete(created.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn another_users_project_is_a_404_over_rest_and_stays_untouched(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let (ada, bob) = (
        Caller::user(&app, "user_ada"),
        Caller::user(&app, "user_bob"),
    );
    let bobs = bob.project("Bob's secret").await;
    let nobodys = Uuid::new_v4();

    for id in [bobs.id, nobodys] {
        let answers = [
            ada.get(id).await,
            ada.patch(id, json!({"name": "Stolen", "description": "mine"}))
                .await,
            ada.patch(id, json!({})).await,
            ada.delete(id).await,
        ];
        for answer in &answers {
            assert_error(answer, StatusCode::NOT_FOUND, "not_found");
        }
        // Someone else's id and nobody's get the very same answer.
        assert_eq!(answers[0], ada.get(nobodys).await);
    }
    assert_eq!(
        stored_name(&pool, bobs.id).await.as_deref(),
        Some("Bob's secret")
    );
    assert_eq!(bob.get(bobs.id).await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn another_users_project_is_a_404_through_server_functions_and_stays_untouched(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let (ada, bob) = (
        Caller::user(&app, "user_ada"),
        Caller::user(&app, "user_bob"),
    );
    let bobs = bob.project("Bob's secret").await;

    let answers = [
        ada.fn_get(bobs.id).await,
        ada.fn_edit(bobs.id, Some("Stolen"), Some("mine")).await,
        ada.fn_edit(bobs.id, None, None).await,
        ada.fn_delete(bobs.id).await,
    ];
    for answer in &answers {
        assert_error(answer, StatusCode::NOT_FOUND, "not_found");
    }
    assert_eq!(answers[0], ada.fn_get(Uuid::new_v4()).await);
    assert_eq!(
        answers[0],
        ada.get(bobs.id).await,
        "the same answer as REST"
    );
    assert_eq!(
        stored_name(&pool, bobs.id).await.as_deref(),
        Some("Bob's secret")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn lists_show_each_user_only_their_own_projects(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let users = ["user_ada", "user_bob", "user_cy"];
    let callers: Vec<Caller> = users.iter().map(|u| Caller::user(&app, u)).collect();
    let mut own: Vec<HashSet<Uuid>> = vec![HashSet::new(); users.len()];
    for round in 0..4 {
        for (i, caller) in callers.iter().enumerate() {
            // The same names for everyone: names are per owner.
            if round <= i + 1 {
                own[i].insert(caller.project(&format!("Project {round}")).await.id);
            }
        }
    }
    let nobody_yet = Caller::user(&app, "user_dee");
    for (i, caller) in callers.iter().enumerate() {
        let rest: HashSet<Uuid> = page(caller.list("?limit=100").await)
            .items
            .iter()
            .map(|p| p.id)
            .collect();
        let via_fn: HashSet<Uuid> = page(caller.fn_list(None, Some(100)).await)
            .items
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(rest, own[i], "{}", users[i]);
        assert_eq!(via_fn, own[i], "{}", users[i]);
    }
    assert!(page(nobody_yet.list("").await).items.is_empty());
    assert!(page(nobody_yet.fn_list(None, None).await).items.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn invalid_fields_are_a_422_with_messages_by_field_on_both_paths(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    let too_long = "d".repeat(2001);
    let expected = json!({
        "name": ["Name must be 1–100 characters."],
        "description": ["Description must be at most 2,000 characters."],
    });

    let rest = ada
        .create(json!({"name": "   ", "description": too_long}))
        .await;
    assert_error(&rest, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(rest.1["error"]["fields"], expected);
    let via_fn = ada.fn_create("   ", Some(&too_long)).await;
    assert_eq!(
        via_fn, rest,
        "the server function answers exactly like REST"
    );

    // A missing name is a blank one, not a malformed body.
    let missing = ada.create(json!({})).await;
    assert_error(
        &missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(missing.1["error"]["fields"]["name"], expected["name"]);

    // 100 four-byte characters are fine, 101 are not.
    assert_eq!(
        ada.create(json!({"name": "🌱".repeat(100)})).await.0,
        StatusCode::CREATED
    );
    let over = ada.create(json!({"name": "🌱".repeat(101)})).await;
    assert_eq!(over.0, StatusCode::UNPROCESSABLE_ENTITY);

    let garden = ada.project("Garden").await;
    let rest = ada.patch(garden.id, json!({"name": ""})).await;
    assert_error(&rest, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(ada.fn_edit(garden.id, Some(""), None).await, rest);
    assert_eq!(
        stored_name(&pool, garden.id).await.as_deref(),
        Some("Garden")
    );
    let count: i64 = sqlx::query_scalar("select count(*) from projects")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 2, "nothing invalid was stored");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_duplicate_name_is_a_409_on_name_but_another_user_may_use_it(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let (ada, bob) = (
        Caller::user(&app, "user_ada"),
        Caller::user(&app, "user_bob"),
    );
    let garden = ada.project("Garden").await;

    let rest = ada.create(json!({"name": "gARDEN"})).await;
    assert_error(&rest, StatusCode::CONFLICT, "conflict");
    assert_eq!(
        rest.1["error"]["fields"]["name"],
        json!(["You already have a project with this name."])
    );
    assert_eq!(ada.fn_create(" garden ", None).await, rest);

    let orchard = ada.project("Orchard").await;
    assert_eq!(ada.patch(orchard.id, json!({"name": "GARDEN"})).await, rest);
    assert_eq!(ada.fn_edit(orchard.id, Some("Garden"), None).await, rest);
    // Its own name in another case is no conflict.
    assert_eq!(
        ada.patch(garden.id, json!({"name": "GARDEN"})).await.0,
        StatusCode::OK
    );

    assert_eq!(
        bob.create(json!({"name": "Garden"})).await.0,
        StatusCode::CREATED
    );
    assert_eq!(bob.fn_create("Orchard", None).await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_creates_of_one_name_make_one_project(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    ada.list("").await; // the user row exists before the race
    let answers =
        futures::future::join_all((0..20).map(|_| ada.create(json!({"name": "Race"})))).await;
    let created = answers
        .iter()
        .filter(|a| a.0 == StatusCode::CREATED)
        .count();
    let conflicts = answers
        .iter()
        .filter(|a| a.0 == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 19), "{answers:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_walk_every_project_exactly_once_newest_first(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let (ada, bob) = (
        Caller::user(&app, "user_ada"),
        Caller::user(&app, "user_bob"),
    );
    let mut created = Vec::new();
    for i in 0..23 {
        created.push(ada.project(&format!("Project {i}")).await.id);
        if i % 5 == 0 {
            bob.project(&format!("Project {i}")).await;
        }
    }
    let newest_first: Vec<Uuid> = created.iter().rev().copied().collect();

    // REST, 5 per page.
    let mut walked = Vec::new();
    let mut query = "?limit=5".to_owned();
    loop {
        let page = page(ada.list(&query).await);
        assert!(page.items.len() <= 5);
        walked.extend(page.items.iter().map(|p| p.id));
        match page.next_cursor {
            Some(cursor) => query = format!("?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(walked, newest_first);

    // Server functions, 10 per page: 10, 10, 3 and no empty page at the end.
    let mut walked = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor = None;
    loop {
        let page = page(ada.fn_list(cursor, Some(10)).await);
        sizes.push(page.items.len());
        walked.extend(page.items.iter().map(|p| p.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 3]);
    assert_eq!(walked, newest_first);
}

#[sqlx::test(migrations = "../migrations")]
async fn rows_of_one_transaction_tie_on_time_and_still_page_exactly_once(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    ada.list("").await;
    let owner = user_id(&pool, "user_ada").await;
    // One statement, one now(): 130 projects with the same created_at.
    sqlx::query(
        "insert into projects (owner_id, name) select $1, 'P' || g from generate_series(1, 130) g",
    )
    .bind(owner)
    .execute(&pool)
    .await
    .unwrap();

    let first = page(ada.list("?limit=1000").await);
    assert_eq!(first.items.len(), 100, "a page holds at most 100");
    assert_eq!(page(ada.list("").await).items.len(), 20, "20 by default");

    let mut seen = HashSet::new();
    let mut cursor = None;
    loop {
        let page = page(ada.fn_list(cursor, Some(7)).await);
        for project in &page.items {
            assert!(seen.insert(project.id), "{} came twice", project.name);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 130);
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_requests_are_answered_in_the_json_error_shape(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    let garden = ada.project("Garden").await;
    let raw = |method: reqwest::Method, path: &str, content_type: Option<&str>, body: &str| {
        let mut request = ada.http(method, path).body(body.to_owned());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request
    };
    let json_type = Some("application/json");
    let item = format!("/api/projects/{}", garden.id);
    let bad_bodies = [
        raw(
            reqwest::Method::POST,
            "/api/projects",
            json_type,
            "{not json",
        ),
        raw(
            reqwest::Method::POST,
            "/api/projects",
            json_type,
            r#"{"name": 5}"#,
        ),
        raw(
            reqwest::Method::POST,
            "/api/projects",
            json_type,
            r#"{"name": "a", "owner_id": "x"}"#,
        ),
        raw(
            reqwest::Method::POST,
            "/api/projects",
            None,
            r#"{"name": "a"}"#,
        ),
        raw(
            reqwest::Method::PATCH,
            &item,
            json_type,
            r#"{"nmae": "typo"}"#,
        ),
        raw(reqwest::Method::PATCH, &item, json_type, ""),
    ];
    for request in bad_bodies {
        assert_error(
            &ada.send(request).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    for query in ["?cursor=garbage", "?limit=ten", "?limit=-1", "?cursor=1_2"] {
        assert_error(
            &ada.list(query).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    assert_error(
        &ada.fn_list(Some("garbage".into()), None).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    for id in ["not-a-uuid", "1", "%00"] {
        assert_error(&ada.get(id).await, StatusCode::NOT_FOUND, "not_found");
        assert_error(&ada.delete(id).await, StatusCode::NOT_FOUND, "not_found");
    }
    // A server function whose arguments do not decode.
    let garbled = ada
        .send(
            ada.http(reqwest::Method::POST, fns::GetProjectFn::PATH)
                .header("content-type", "application/json")
                .body(r#"{"id": "not-a-uuid"}"#),
        )
        .await;
    assert_error(&garbled, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(
        stored_name(&pool, garden.id).await.as_deref(),
        Some("Garden")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cursor_for_a_time_postgresql_cannot_store_is_a_bad_request_not_a_500(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    ada.project("Garden").await;
    // Years a timestamp parses to but PostgreSQL's `timestamptz` (4714 BC to 294276 AD)
    // cannot hold: the database would refuse the query.
    let id = "00000000000000000000000000000abc";
    for nanos in ["-300000000000000000000", "-210866803200000000001"] {
        let query = format!("?cursor={nanos}_{id}");
        assert_error(
            &ada.list(&query).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
        assert_error(
            &ada.fn_list(Some(format!("{nanos}_{id}")), None).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    // The first instant PostgreSQL stores is a cursor like any other.
    let (status, _) = ada
        .list(&format!("?cursor=-210866803200000000000_{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn anonymous_calls_are_401_signed_out(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let bobs = Caller::user(&app, "user_bob").project("Garden").await;
    let nobody = Caller::anonymous(&app);
    let answers = [
        nobody.list("").await,
        nobody.create(json!({"name": "Mine"})).await,
        nobody.get(bobs.id).await,
        nobody.patch(bobs.id, json!({"name": "Mine"})).await,
        nobody.delete(bobs.id).await,
        nobody.fn_list(None, None).await,
        nobody.fn_get(bobs.id).await,
        nobody.fn_create("Mine", None).await,
        nobody.fn_edit(bobs.id, Some("Mine"), None).await,
        nobody.fn_delete(bobs.id).await,
    ];
    for answer in &answers {
        assert_error(answer, StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(answer.1["error"]["reason"], "signed-out");
    }
    assert_eq!(stored_name(&pool, bobs.id).await.as_deref(), Some("Garden"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deleted_users_projects_go_with_the_account_and_their_token_is_refused(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let (ada, bob) = (
        Caller::user(&app, "user_ada"),
        Caller::user(&app, "user_bob"),
    );
    for name in ["Garden", "Orchard", "Pond"] {
        ada.project(name).await;
    }
    let bobs = bob.project("Garden").await;

    let (status, body) = {
        let response = send(&app, &delivery(&deleted_event("user_ada", ms(0)))).await;
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("applied"))
    );

    let remaining: Vec<(String, Uuid)> =
        sqlx::query_as("select u.clerk_id, p.id from projects p join users u on u.id = p.owner_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        remaining,
        [("user_bob".to_owned(), bobs.id)],
        "only Bob's project is left"
    );
    let tombstoned: bool =
        sqlx::query_scalar("select deleted_at is not null from users where clerk_id = 'user_ada'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(tombstoned, "the user row stays, as a tombstone");

    for answer in [
        ada.list("").await,
        ada.fn_list(None, None).await,
        ada.fn_create("Back", None).await,
    ] {
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(answer.1["error"]["reason"], "user-deleted");
    }
    assert_eq!(page(bob.list("").await).items.len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_project_cannot_be_created_for_a_tombstoned_owner(pool: PgPool) {
    use populatte::{ProjectRepository, UserId};
    use server::db::projects::PgProjects;

    let app = setup(pool.clone()).await;
    Caller::user(&app, "user_ada").list("").await;
    let owner = UserId::from_uuid(user_id(&pool, "user_ada").await);
    sqlx::query("update users set deleted_at = now() where clerk_id = 'user_ada'")
        .execute(&pool)
        .await
        .unwrap();
    // The repository itself refuses, for a request that passed the auth layer just before.
    let projects = PgProjects::new(pool.clone());
    let result = populatte::project::CreateProject::new(&projects)
        .execute(owner, "Late", None)
        .await;
    assert_eq!(result, Err(populatte::ProjectError::OwnerDeleted));
    let listed = projects.list(owner, None, 10).await.unwrap();
    assert!(listed.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_being_down_gives_503_on_both_paths(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let ada = Caller::user(&app, "user_ada");
    // The first request syncs Ada; later ones authenticate from the cache, with no database.
    assert_eq!(ada.list("").await.0, StatusCode::OK);
    pool.close().await;
    assert_error(
        &ada.list("").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    assert_error(
        &ada.fn_create("Garden", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_current_user_server_function_returns_the_local_user_or_none(pool: PgPool) {
    let app = setup(pool.clone()).await;
    let (status, body) = Caller::user(&app, "user_ada")
        .call::<PostUrl, _>(GetCurrentUser {})
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let profile: app::api::UserProfile = serde_json::from_value(body).unwrap();
    assert_eq!(
        profile.id,
        user_id(&pool, "user_ada").await,
        "the row's local id"
    );
    assert_eq!(profile.clerk_id, "user_ada");
    assert_eq!(profile.email.as_deref(), Some("ada@example.com"));

    let anonymous = Caller::anonymous(&app)
        .call::<PostUrl, _>(GetCurrentUser {})
        .await;
    assert_eq!(anonymous, (StatusCode::OK, Value::Null));
}
