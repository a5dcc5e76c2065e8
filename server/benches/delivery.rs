//! What the delivery layers (cache policy and on-the-fly compression) add to an answer, in
//! process: a `/api/me`-sized JSON answer (below the compression threshold) and a
//! dashboard-sized page (compressed), each through the bare handler and through the layers.
//! The HTTP figure of the warm `/api/me` path comes from scripts/bench's load test.
//! Run: `scripts/bench` (or `cargo bench -p server --bench delivery`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, header},
    response::{Html, IntoResponse},
    routing::get,
};
use criterion::{Criterion, criterion_group, criterion_main};
use server::delivery::{cache_policy_layer, compression_layer};
use tower::ServiceExt;

/// The shape and size of a real `/api/me` answer (about 300 bytes).
async fn me() -> impl IntoResponse {
    axum::Json(serde_json::json!({
        "id": "0b8d6b7e-6a47-4bd4-9a0e-1f2b8c9d0e1f",
        "clerk_id": "user_2seedAdaLovelace00000000000",
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "image_url": "/__clerk/avatars/user_2seedAdaLovelace00000000000.svg",
        "created_at": "2026-11-26T12:00:00Z",
        "updated_at": "2026-11-26T12:00:00Z",
    }))
}

/// A page of the size of the rendered dashboard (about 5 KB of markup).
async fn page() -> Html<String> {
    let rows: String = (0..40)
        .map(|n| format!("<li class=\"project\"><a href=\"/projects/{n}\">Project {n}</a><p>Notes for project {n}.</p></li>"))
        .collect();
    Html(format!(
        "<!DOCTYPE html><html><head><title>Dashboard</title></head><body><main><ul>{rows}</ul></main></body></html>"
    ))
}

fn routes() -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/dashboard", get(page))
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bare = routes();
    let layered = routes()
        .layer(cache_policy_layer())
        .layer(compression_layer());
    for (name, path) in [("me", "/api/me"), ("page", "/dashboard")] {
        for (variant, router) in [("bare", &bare), ("delivery_layers", &layered)] {
            c.bench_function(&format!("{name}_{variant}"), |b| {
                b.to_async(&runtime).iter(|| async {
                    let request = Request::get(path)
                        .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
                        .body(Body::empty())
                        .unwrap();
                    let response = router.clone().oneshot(request).await.unwrap();
                    assert!(response.status().is_success());
                    // The body is read: compression happens while it is sent.
                    to_bytes(response.into_body(), usize::MAX).await.unwrap()
                })
            });
        }
    }
}

criterion_group! {
    name = delivery;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(delivery);
